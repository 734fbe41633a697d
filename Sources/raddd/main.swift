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
              raddd --state-dir ~/radd/state --drop-dir ~/radd/drop \\
                    --socket ~/radd/raddd.sock --key-file ~/radd/db.key

            Exit status: 0 after a clean stop (SIGTERM or SIGINT), 1 when start-up
            fails, 64 for a usage error.
            """,
        version: RaddVersion.string)

    @Option(help: "Config file to read.") var config: String?
    @Option(help: "Directory of the encrypted database radd.db (created 0700).") var stateDir: String?
    @Option(help: "Folder to watch for dropped reports.") var dropDir: String?
    @Option(help: "Folder for unreadable files and their NAME.reason (default: STATE_DIR/quarantine).") var quarantineDir: String?
    @Option(help: "Path of the control socket.") var socket: String?
    @Option(help: "Group that owns the control socket, which is then mode 0660 instead of 0666 (who may do what comes from the access policy either way).") var socketGroup: String?
    @Option(help: "Access policy: which Unix group holds each role (default: /etc/radd/access, else radd-viewer, radd-exporter, radd-auditor, radd-admin).") var accessPolicy: String?
    @Option(help: "Appliance id written as the source of every audit record (default: the host name).") var applianceId: String?
    @Option(help: "Seconds between audit chain checkpoints.") var auditCheckpointInterval: String?
    @Option(help: "Database key file: 64 hex characters, mode 0400 or 0600; $CREDENTIALS_DIRECTORY/db-key wins.") var keyFile: String?
    @Option(help: "debug, info, notice, warning or error.") var logLevel: String?
    @Option(help: "auto (journal if journald runs, else stderr), journal or stderr.") var logTarget: String?
    @Option(help: "Seconds between full scans of the drop folder (catch NFS/SMB writes).") var rescanInterval: String?
    @Option(help: "Seconds a file's size and mtime must stay unchanged before it is claimed.") var settleTime: String?
    @Option(help: "Largest export accepted, in bytes.") var maxFileBytes: String?
    @Option(help: "Most reports one file may hold; a file with more is quarantined whole.") var maxReportsPerFile: String?
    @Option(help: "De-identification policy file (default: built-in, tags).") var deidPolicy: String?
    @Option(help: "Label tasks to label every report for, comma-separated (names or task files).") var tasks: String?
    @Option(help: "Directory searched for task files before /etc/radd/tasks and /usr/local/share/radd/tasks.") var taskDir: String?
    @Option(help: "OpenAI-compatible model servers, comma-separated: http://HOST:PORT or unix:/PATH.") var llmEndpoint: String?
    @Option(help: "Model names, one for all servers or one per --llm-endpoint; several models each label every report and can vote (default: the first one a server lists).") var llmModel: String?
    @Option(help: "Requests in flight per model server.") var llmConcurrency: String?
    @Option(help: "Seconds one model request may take.") var llmTimeout: String?
    @Option(help: "Final label: llm-else-rules, rules, llm or ensemble.") var labelPolicy: String?
    @Flag(help: "Validate the configuration and the key, print a summary, and exit.") var checkConfig = false

    func run() throws {
        Daemon.prepareProcess()
        let settings: DaemonConfiguration
        do { settings = try resolvedConfiguration() } catch {
            fail("\(error)")
        }
        RaddLogging.bootstrap(identifier: "raddd", target: settings.logTarget, level: settings.logLevel)
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
            ("state_dir", stateDir), ("drop_dir", dropDir), ("quarantine_dir", quarantineDir), ("socket", socket),
            ("socket_group", socketGroup), ("access_policy", accessPolicy), ("appliance_id", applianceId),
            ("audit_checkpoint_interval", auditCheckpointInterval), ("key_file", keyFile), ("log_level", logLevel), ("log_target", logTarget),
            ("rescan_interval", rescanInterval), ("settle_time", settleTime), ("max_file_bytes", maxFileBytes),
            ("max_reports_per_file", maxReportsPerFile), ("deid_policy", deidPolicy), ("tasks", tasks),
            ("task_dir", taskDir), ("llm_endpoint", llmEndpoint), ("llm_model", llmModel),
            ("llm_concurrency", llmConcurrency), ("llm_timeout", llmTimeout), ("label_policy", labelPolicy),
        ]
        for case let (key, value?) in flags { try settings.set(key, value) }
        return settings
    }

    /// Start-up failures are one line on stderr and exit status 1, never a crash.
    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("raddd: error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

Raddd.main()
