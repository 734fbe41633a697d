import Foundation
import Labeling
import Logging
import RaddCore

/// One setting of raddd, written once: the config file key (which is also the flag), how its
/// value is read and printed, whether a reload applies it, and what the docs and `--help` say.
/// Everything that lists settings is derived from `DaemonConfiguration.settings`, so a new
/// setting cannot be parsed but forgotten by the reload, the flags or the docs.
public struct Setting: Sendable {
    /// What a changed value needs to take effect. Exhaustive on purpose: a new setting must say.
    public enum Effect: Sendable {
        /// `raddctl reload` or SIGHUP applies it while raddd runs.
        case reload
        /// Read once, at start; a reload names it as needing a restart.
        case restart
    }

    public let key: String
    /// The default as the docs' settings table shows it (without its code marks).
    public let defaultText: String
    /// The flag's one-line help.
    public let help: String
    public let effect: Effect
    let parse: @Sendable (inout DaemonConfiguration, String) throws -> Void
    let print: @Sendable (DaemonConfiguration) -> String

    /// `state_dir` is `--state-dir`.
    public var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }
}

extension DaemonConfiguration {
    public typealias Problem = ConfigurationProblem

    /// Every setting, in the order the docs list them (Docs/configuration.md says what each means).
    public static let settings: [Setting] = [
        Setting(key: "state_dir", defaultText: "/var/lib/radd", help: "Directory of the encrypted database radd.db (created 0700).",
                effect: .restart, parse: { $0.stateDirectory = try path($1, "state_dir") }, print: { $0.stateDirectory }),
        Setting(key: "drop_dir", defaultText: "/var/spool/radd/drop", help: "Folder to watch for dropped reports.",
                effect: .restart, parse: { $0.dropDirectory = try path($1, "drop_dir") }, print: { $0.dropDirectory }),
        Setting(key: "language", defaultText: "en",
                help: "Language of the reports in drop_dir and in every [folder] that does not set its own: en, de, or auto (detected per report).",
                effect: .restart, parse: { $0.language = try languageSetting($1) }, print: { $0.language.settingValue }),
        Setting(key: "quarantine_dir", defaultText: "STATE_DIR/quarantine",
                help: "Folder for unreadable files and their NAME.reason (default: STATE_DIR/quarantine).",
                effect: .restart, parse: { $0.quarantineDirectory = try path($1, "quarantine_dir") }, print: { $0.quarantineDirectory ?? "" }),
        Setting(key: "socket", defaultText: "/run/radd/raddd.sock", help: "Path of the control socket.",
                effect: .restart, parse: { $0.socketPath = try path($1, "socket") }, print: { $0.socketPath }),
        Setting(key: "socket_group", defaultText: "none",
                help: "Group that owns the control socket, which is then mode 0660 instead of 0666 (who may do what comes from the access policy either way).",
                effect: .restart, parse: { $0.socketGroup = $1.isEmpty ? nil : $1 }, print: { $0.socketGroup ?? "" }),
        Setting(key: "access_policy", defaultText: "/etc/radd/access if it exists, else built in",
                help: "Access policy: which Unix group holds each role (default: /etc/radd/access, else radd-viewer, radd-exporter, radd-auditor, radd-admin).",
                effect: .reload, parse: { $0.accessPolicyPath = $1.isEmpty ? nil : try path($1, "access_policy") },
                print: { $0.accessPolicyPath ?? "" }),
        Setting(key: "appliance_id", defaultText: "the host name",
                help: "Appliance id written as the source of every audit record (default: the host name).",
                effect: .restart, parse: { $0.applianceID = try applianceID($1) }, print: { $0.applianceID ?? "" }),
        Setting(key: "audit_checkpoint_interval", defaultText: "60", help: "Seconds between audit chain checkpoints.",
                effect: .restart, parse: { $0.auditCheckpointSeconds = try wholeSeconds($1, "audit_checkpoint_interval") },
                print: { String($0.auditCheckpointSeconds) }),
        Setting(key: "key_file", defaultText: "/etc/radd/db.key",
                help: "Database key file: 64 hex characters, mode 0400 or 0600; $CREDENTIALS_DIRECTORY/db-key wins.",
                effect: .restart, parse: { $0.keyFile = try path($1, "key_file") }, print: { $0.keyFile }),
        Setting(key: "log_level", defaultText: "info", help: "debug, info, notice, warning or error.",
                effect: .restart, parse: { $0.logLevel = try logLevel($1) }, print: { "\($0.logLevel)" }),
        Setting(key: "log_target", defaultText: "auto", help: "auto (journal if journald runs, else stderr), journal or stderr.",
                effect: .restart, parse: { configuration, value in
                    guard let target = LogTarget(rawValue: value.lowercased()) else {
                        throw Problem("log_target '\(value)' is not one of auto, journal, stderr")
                    }
                    configuration.logTarget = target
                }, print: { "\($0.logTarget)" }),
        Setting(key: "rescan_interval", defaultText: "30",
                help: "Seconds between full scans of the drop folder (catch NFS/SMB writes).",
                effect: .restart, parse: { $0.rescanIntervalSeconds = try wholeSeconds($1, "rescan_interval") },
                print: { String($0.rescanIntervalSeconds) }),
        Setting(key: "settle_time", defaultText: "1", help: "Seconds a file's size and mtime must stay unchanged before it is claimed.",
                effect: .restart, parse: { configuration, value in
                    guard let seconds = Double(value), (0...3600).contains(seconds) else {
                        throw Problem("settle_time '\(value)' must be a number of seconds from 0 to 3600")
                    }
                    configuration.settleSeconds = seconds
                }, print: { seconds($0.settleSeconds) }),
        Setting(key: "max_file_bytes", defaultText: "67108864 (64 MiB)", help: "Largest export accepted, in bytes.",
                effect: .restart, parse: { configuration, value in
                    guard let bytes = Int64(value), bytes > 0 else {
                        throw Problem("max_file_bytes '\(value)' must be a positive number of bytes")
                    }
                    configuration.maxFileBytes = bytes
                }, print: { String($0.maxFileBytes) }),
        Setting(key: "deid_policy", defaultText: "built-in (replacement = tags)",
                help: "De-identification policy file (default: built-in, tags).",
                effect: .restart, parse: { $0.deidPolicyPath = $1.isEmpty ? nil : try path($1, "deid_policy") },
                print: { $0.deidPolicyPath ?? "" }),
        Setting(key: "max_reports_per_file", defaultText: "100000",
                help: "Most reports one file may hold; a file with more is quarantined whole.",
                effect: .restart, parse: { configuration, value in
                    guard let count = Int(value), count > 0 else {
                        throw Problem("max_reports_per_file '\(value)' must be a positive whole number")
                    }
                    configuration.maxReportsPerFile = count
                }, print: { String($0.maxReportsPerFile) }),
        Setting(key: "tasks", defaultText: "none",
                help: "Label tasks to label every report for, comma-separated (names or task files).",
                effect: .restart, parse: { $0.tasks = list($1) }, print: { $0.tasks.joined(separator: ",") }),
        Setting(key: "task_dir", defaultText: "none",
                help: "Directory searched for task files before /etc/radd/tasks and /usr/local/share/radd/tasks.",
                effect: .restart, parse: { $0.taskDirectory = $1.isEmpty ? nil : try path($1, "task_dir") },
                print: { $0.taskDirectory ?? "" }),
        Setting(key: "llm_endpoint", defaultText: "none",
                help: "OpenAI-compatible model servers, comma-separated: http://HOST:PORT or unix:/PATH.",
                effect: .restart, parse: { configuration, value in
                    let endpoints = list(value)
                    for endpoint in endpoints where !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") || endpoint.hasPrefix("unix:/")) {
                        throw Problem("llm_endpoint '\(endpoint)' must be http://HOST:PORT, https://HOST:PORT or unix:/PATH")
                    }
                    configuration.llmEndpoints = endpoints
                }, print: { $0.llmEndpoints.joined(separator: ",") }),
        Setting(key: "llm_model", defaultText: "the first model the server lists",
                help: "Model names, one for all servers or one per --llm-endpoint; several models each label every report and can vote (default: the first one a server lists).",
                effect: .restart, parse: { $0.llmModels = list($1) }, print: { $0.llmModels.joined(separator: ",") }),
        Setting(key: "llm_concurrency", defaultText: "1", help: "Requests in flight per model server.",
                effect: .restart, parse: { configuration, value in
                    let counts = list(value).map { Int($0) }
                    guard !counts.isEmpty, counts.allSatisfy({ $0.map { (1...64).contains($0) } ?? false }) else {
                        throw Problem("llm_concurrency '\(value)' must be whole numbers from 1 to 64 (requests in flight per endpoint): one for all endpoints, or one per endpoint")
                    }
                    configuration.llmConcurrencies = counts.compactMap { $0 }
                }, print: { $0.llmConcurrencies.map(String.init).joined(separator: ",") }),
        Setting(key: "llm_timeout", defaultText: "120", help: "Seconds one model request may take.",
                effect: .restart, parse: { configuration, value in
                    guard let seconds = Double(value), (1...3600).contains(seconds) else {
                        throw Problem("llm_timeout '\(value)' must be a number of seconds from 1 to 3600")
                    }
                    configuration.llmTimeoutSeconds = seconds
                }, print: { seconds($0.llmTimeoutSeconds) }),
        Setting(key: "label_policy", defaultText: "auto", help: "Final label: auto (per finding, the labeler gold says is better), llm-else-rules, rules, llm or ensemble.",
                effect: .reload, parse: { configuration, value in
                    guard let policy = LabelPolicy(rawValue: value) else {
                        throw Problem("label_policy '\(value)' is not one of \(LabelPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    configuration.labelPolicy = policy
                }, print: { $0.labelPolicy.rawValue }),
        Setting(key: "retention_days", defaultText: "none (kept until erased)",
                help: "Delete reports stored more than this many days ago, and all that derives from them, once a day (1 to 36500).",
                effect: .restart, parse: { configuration, value in
                    guard !value.isEmpty, value != "none" else { configuration.retentionDays = nil; return }
                    guard let days = Int(value), (1...36_500).contains(days) else {
                        throw Problem("retention_days '\(value)' must be a whole number of days from 1 to 36500, or none")
                    }
                    configuration.retentionDays = days
                }, print: { $0.retentionDays.map(String.init) ?? "none" }),
        Setting(key: "metrics_file", defaultText: "none",
                help: "Prometheus textfile raddd rewrites (atomically, mode 0644) every metrics_interval seconds, for node_exporter's textfile collector.",
                effect: .restart, parse: { $0.metricsFile = $1.isEmpty || $1 == "none" ? nil : try path($1, "metrics_file") },
                print: { $0.metricsFile ?? "none" }),
        Setting(key: "metrics_interval", defaultText: "15", help: "Seconds between rewrites of metrics_file.",
                effect: .restart, parse: { $0.metricsIntervalSeconds = try wholeSeconds($1, "metrics_interval") },
                print: { String($0.metricsIntervalSeconds) }),
    ]

    /// Every key `set(_:_:)` accepts, in the docs' order.
    public static var keys: [String] { settings.map(\.key) }

    public static func setting(_ key: String) -> Setting? { settings.first { $0.key == key } }

    /// The keys a reload applies; the others are read once, at start.
    public static var reloadableKeys: Set<String> { Set(settings.filter { $0.effect == .reload }.map(\.key)) }

    /// Sets one key from the config file or its flag; both are validated the same way.
    public mutating func set(_ key: String, _ rawValue: String) throws {
        guard let setting = Self.setting(key) else {
            throw Problem("unknown setting '\(key)' (known settings: \(Self.keys.joined(separator: ", ")))")
        }
        try setting.parse(&self, rawValue.trimmingCharacters(in: .whitespaces))
    }

    /// One setting's value, as text, for comparing configurations.
    func value(of key: String) -> String { Self.setting(key)?.print(self) ?? "" }

    /// "60", not "60.0": as the value would be written.
    private static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// `en`, `de` or `auto`, exactly: a misspelt language must stop raddd rather than label German
    /// reports with English cues.
    static func languageSetting(_ value: String) throws -> LanguageSetting {
        guard let setting = LanguageSetting(setting: value) else {
            throw Problem("language '\(value)' is not one of \(ReportLanguage.allCases.map(\.rawValue).joined(separator: ", ")), auto (detected per report)")
        }
        return setting
    }

    private static func applianceID(_ value: String) throws -> String {
        guard !value.isEmpty, value.count <= 64, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw Problem("appliance_id '\(value.prefix(70))' must be 1 to 64 letters, digits, '-', '_' or '.'")
        }
        return value
    }

    private static func logLevel(_ value: String) throws -> Logger.Level {
        let levels: [String: Logger.Level] = ["debug": .debug, "info": .info, "notice": .notice, "warning": .warning, "error": .error]
        guard let level = levels[value.lowercased()] else {
            throw Problem("log_level '\(value)' is not one of debug, info, notice, warning, error")
        }
        return level
    }
}

/// A mistake in the configuration: one line, naming the setting (and the file and line when read
/// from a file).
public struct ConfigurationProblem: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
    init(_ message: String) { self.message = message }
}

extension DaemonConfiguration {
    /// The settings in force as config file lines (`raddd --print-config`): a setting left at a
    /// default that is not a plain value is a comment, so the output reads back as the same
    /// configuration.
    public var effectiveSettings: [String] {
        var lines = Self.settings.map { setting -> String in
            let value = setting.print(self)
            return value.isEmpty ? "# \(setting.key) = (\(setting.defaultText))" : "\(setting.key) = \(Self.quoted(value))"
        }
        for folder in folderSections {
            lines += ["", "[folder \(folder.name)]"] + folder.settingLines.map { "\($0.key) = \(Self.quoted($0.value))" }
        }
        return lines
    }

    /// A value the file reader would cut at '#' or trim is written in quotes.
    static func quoted(_ value: String) -> String {
        value.contains("#") || value.first == " " || value.last == " " || value.first == "\"" ? "\"\(value)\"" : value
    }
}

extension DropFolderSettings {
    /// The section's keys that differ from their defaults, as `set(_:_:)` reads them.
    var settingLines: [(key: String, value: String)] {
        var lines: [(key: String, value: String)] = []
        if !path.isEmpty { lines.append(("path", path)) }
        if case .fixed(let fixed) = format { lines.append(("format", fixed.rawValue)) }
        if let language { lines.append(("language", language.settingValue)) }
        if let encoding { lines.append(("encoding", encoding.rawValue)) }
        if let archiveDirectory { lines.append(("archive_dir", archiveDirectory)) }
        if let id = csvMapping.id { lines.append(("csv_id", id)) }
        if !csvMapping.text.isEmpty { lines.append(("csv_text", csvMapping.text.joined(separator: ","))) }
        if let patient = csvMapping.patient { lines.append(("csv_patient", patient)) }
        if let date = csvMapping.date { lines.append(("csv_date", date)) }
        if let status = csvMapping.status { lines.append(("csv_status", status)) }
        if csvMapping.headerless { lines.append(("csv_layout", "headerless")) }
        switch csvMapping.rowsWithoutText {
        case .skip: break
        case .reject: lines.append(("csv_rows_without_text", "reject"))
        }
        return lines
    }
}
