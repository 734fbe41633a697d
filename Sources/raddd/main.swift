import ArgumentParser
import Foundation
import RaddCore
import RaddDaemon

/// raddd: the radd daemon. Only wiring lives here; the lifecycle is in RaddDaemon.
struct Raddd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raddd",
        abstract: "radd's daemon: de-identifies, labels and stores radiology reports dropped into a folder.",
        discussion: """
            Settings come from the config file, then from flags, which win. Without
            --config, \(DaemonConfiguration.defaultConfigPath) is read if it exists. The file
            has one 'key = value' per line; every flag below is also a key, with '_'
            for '-' (--state-dir is state_dir). More drop folders, each with its own format
            and CSV mapping, are '[folder NAME]' sections of the file. Docs/configuration.md
            describes them.

            Examples:
              raddd --config /etc/radd/raddd.conf --check-config
              raddd --config /etc/radd/raddd.conf --print-config
              sudo raddd --config /etc/radd/raddd.conf --restore /var/lib/radd/backups/radd-20261205T171500Z.db
              raddd --state-dir ~/radd/state --drop-dir ~/radd/drop \\
                    --socket ~/radd/raddd.sock --key-file ~/radd/db.key

            Exit status: 0 after a clean stop (SIGTERM or SIGINT), 1 when start-up
            fails, 64 for a usage error.
            """,
        version: RaddVersion.string)

    @Option(help: "Config file to read.") var config: String?
    @Option(help: .setting("state_dir")) var stateDir: String?
    @Option(help: .setting("drop_dir")) var dropDir: String?
    @Option(help: .setting("language")) var language: String?
    @Option(help: .setting("quarantine_dir")) var quarantineDir: String?
    @Option(help: .setting("socket")) var socket: String?
    @Option(help: .setting("socket_group")) var socketGroup: String?
    @Option(help: .setting("access_policy")) var accessPolicy: String?
    @Option(help: .setting("appliance_id")) var applianceId: String?
    @Option(help: .setting("audit_checkpoint_interval")) var auditCheckpointInterval: String?
    @Option(help: .setting("key_file")) var keyFile: String?
    @Option(help: .setting("log_level")) var logLevel: String?
    @Option(help: .setting("log_target")) var logTarget: String?
    @Option(help: .setting("rescan_interval")) var rescanInterval: String?
    @Option(help: .setting("settle_time")) var settleTime: String?
    @Option(help: .setting("max_file_bytes")) var maxFileBytes: String?
    @Option(help: .setting("max_reports_per_file")) var maxReportsPerFile: String?
    @Option(help: .setting("deid_policy")) var deidPolicy: String?
    @Option(help: .setting("tasks")) var tasks: String?
    @Option(help: .setting("task_dir")) var taskDir: String?
    @Option(help: .setting("llm_endpoint")) var llmEndpoint: String?
    @Option(help: .setting("llm_model")) var llmModel: String?
    @Option(help: .setting("llm_concurrency")) var llmConcurrency: String?
    @Option(help: .setting("llm_timeout")) var llmTimeout: String?
    @Option(help: .setting("label_policy")) var labelPolicy: String?
    @Option(help: .setting("retention_days")) var retentionDays: String?
    @Option(help: .setting("metrics_file")) var metricsFile: String?
    @Option(help: .setting("metrics_interval")) var metricsInterval: String?
    @Flag(help: "Validate the configuration and the key, print a summary, and exit.") var checkConfig = false
    @Flag(help: "Print every setting in force (the file, then the flags) as 'key = value', and exit.") var printConfig = false
    @Option(help: ArgumentHelp("Replace the database with this backup (raddd must be stopped), then exit. See Docs/operations.md.",
                               valueName: "backup-file"))
    var restore: String?

    func run() throws {
        Daemon.prepareProcess()
        let settings: DaemonConfiguration
        do { settings = try resolvedConfiguration() } catch {
            fail("\(error)")
        }
        if printConfig {
            for line in settings.effectiveSettings { print(line) }
            return
        }
        RaddLogging.bootstrap(identifier: "raddd", target: settings.logTarget, level: settings.logLevel)
        if let restore {
            do {
                for line in try Daemon.restore(settings, from: restore) { print(line) }
                return
            } catch { fail("\(error)") }
        }
        if checkConfig {
            do {
                for line in try Daemon.checkConfiguration(settings) { print(line) }
                print("configuration OK")
                return
            } catch { fail("\(error)") }
        }
        let command = self
        do { try Daemon(configuration: settings, reread: { try command.resolvedConfiguration() }).run() } catch { fail("\(error)") }
    }

    private func resolvedConfiguration() throws -> DaemonConfiguration {
        var settings = DaemonConfiguration()
        if let config {
            try settings.apply(configFile: config)
        } else if FileManager.default.fileExists(atPath: DaemonConfiguration.defaultConfigPath) {
            try settings.apply(configFile: DaemonConfiguration.defaultConfigPath)
        }
        let flags: [(String, String?)] = [
            ("state_dir", stateDir), ("drop_dir", dropDir), ("language", language), ("quarantine_dir", quarantineDir), ("socket", socket),
            ("socket_group", socketGroup), ("access_policy", accessPolicy), ("appliance_id", applianceId),
            ("audit_checkpoint_interval", auditCheckpointInterval), ("key_file", keyFile), ("log_level", logLevel), ("log_target", logTarget),
            ("rescan_interval", rescanInterval), ("settle_time", settleTime), ("max_file_bytes", maxFileBytes),
            ("max_reports_per_file", maxReportsPerFile), ("deid_policy", deidPolicy), ("tasks", tasks),
            ("task_dir", taskDir), ("llm_endpoint", llmEndpoint), ("llm_model", llmModel),
            ("llm_concurrency", llmConcurrency), ("llm_timeout", llmTimeout), ("label_policy", labelPolicy),
            ("retention_days", retentionDays), ("metrics_file", metricsFile), ("metrics_interval", metricsInterval),
        ]
        // The flags are typed options for ArgumentParser; SettingsTableTests checks that they are
        // the settings table, flag for flag.
        for case let (key, value?) in flags { try settings.set(key, value) }
        return settings
    }

    /// Start-up failures are one line on stderr and exit status 1, never a crash.
    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("raddd: error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

extension ArgumentHelp {
    /// A setting's flag help, from the settings table.
    static func setting(_ key: String) -> ArgumentHelp {
        ArgumentHelp(DaemonConfiguration.setting(key)?.help ?? "(not a setting: \(key))")
    }
}

Raddd.main()
