import Control
import Foundation
import Labeling
import Logging
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// Every setting raddd has. The config file and the command-line flags set the same keys through
/// `set(_:_:)`, so both are validated the same way; flags are applied after the file and win.
public struct DaemonConfiguration: Sendable, Equatable {
    public static let defaultConfigPath = "/etc/radd/raddd.conf"

    public var stateDirectory = "/var/lib/radd"
    public var dropDirectory = "/var/spool/radd/drop"
    /// The language of the reports in `drop_dir` and in every `[folder NAME]` that does not set
    /// its own.
    public var language: LanguageSetting = .fixed(.en)
    public var quarantineDirectory: String?
    public var socketPath = "/run/radd/raddd.sock"
    public var socketGroup: String?
    /// nil: /etc/radd/access if it exists, else the built-in roles (radd-viewer, radd-exporter,
    /// radd-auditor, radd-admin).
    public var accessPolicyPath: String?
    /// Written as the source of every audit record; nil: the host name.
    public var applianceID: String?
    /// Seconds between checkpoints of the audit chain (to the log and the checkpoint file).
    public var auditCheckpointSeconds = 60
    public var keyFile = "/etc/radd/db.key"
    public var logLevel: Logger.Level = .info
    public var logTarget: LogTarget = .auto
    public var rescanIntervalSeconds = 30
    /// Mirth Connect's file reader waits one second ("file age") by default, too.
    public var settleSeconds: Double = 1
    public var maxFileBytes: Int64 = 64 << 20
    public var maxReportsPerFile = 100_000
    /// nil: the built-in policy (tags).
    public var deidPolicyPath: String?
    /// Label tasks every stored report is labelled for: names looked up in `taskDirectories`,
    /// or paths to task files. Empty: nothing is labelled.
    public var tasks: [String] = []
    /// Looked up before /etc/radd/tasks and /usr/local/share/radd/tasks.
    public var taskDirectory: String?
    /// OpenAI-compatible model servers (http://HOST:PORT or unix:/PATH). Empty: the rule
    /// labeler only.
    public var llmEndpoints: [String] = []
    /// One model name for every endpoint, or one per `llmEndpoints` entry. Empty: the first
    /// model each server lists. Endpoints with the same model share its work; each model of
    /// several labels every report, so that they can vote.
    public var llmModels: [String] = []
    /// Requests in flight per endpoint: one number for all, or one per `llmEndpoints` entry.
    public var llmConcurrencies: [Int] = [1]
    public var llmTimeoutSeconds: Double = 120
    public var labelPolicy: LabelPolicy = .auto
    /// Reports stored longer ago than this are deleted once a day; nil: kept until erased.
    public var retentionDays: Int?
    /// node_exporter textfile raddd rewrites; nil: metrics only through `raddctl metrics`.
    public var metricsFile: String?
    public var metricsIntervalSeconds = 15
    /// `[folder NAME]` sections in the order written; `drop` may be among them to set the
    /// format or mapping of the default folder.
    public var folderSections: [DropFolderSettings] = []

    public init() {}

    /// Every watched folder: `drop` at `drop_dir` first, then the configured ones; each with
    /// its language (its own, else `language`).
    public var folders: [DropFolderSettings] {
        var drop = folderSections.first { $0.name == DropFolderSettings.defaultName }
            ?? DropFolderSettings(name: DropFolderSettings.defaultName, path: dropDirectory)
        if drop.path.isEmpty { drop.path = dropDirectory }
        return ([drop] + folderSections.filter { $0.name != DropFolderSettings.defaultName }).map { folder in
            var folder = folder
            if folder.language == nil { folder.language = language }
            return folder
        }
    }

    public var databasePath: String { stateDirectory + "/radd.db" }

    /// The access policy file raddd reads: `access_policy`, else /etc/radd/access if it
    /// exists; nil: the built-in roles.
    public var effectiveAccessPolicyPath: String? {
        accessPolicyPath ?? (FileManager.default.fileExists(atPath: AccessPolicy.defaultPath) ? AccessPolicy.defaultPath : nil)
    }
    public var auditCheckpointPath: String { stateDirectory + "/audit-checkpoints" }
    /// Where `raddctl backup` writes without `--out`, and where the copy before a migration goes.
    public var backupDirectory: String { stateDirectory + "/backups" }
    public var instanceLockPath: String { stateDirectory + "/" + InstanceLock.fileName }

    /// The appliance id audit records carry: `appliance_id`, or the host name.
    public var effectiveApplianceID: String {
        if let applianceID { return applianceID }
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "radd" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    public var effectiveQuarantineDirectory: String { quarantineDirectory ?? stateDirectory + "/quarantine" }

    /// Requests in flight for endpoint `index`.
    public func llmConcurrency(endpoint index: Int) -> Int {
        llmConcurrencies.count == 1 ? llmConcurrencies[0] : llmConcurrencies[min(index, llmConcurrencies.count - 1)]
    }

    /// The model name sent to endpoint `index`; nil: the first model the server lists.
    public func llmModel(endpoint index: Int) -> String? {
        llmModels.count == 1 ? llmModels[0] : (llmModels.indices.contains(index) ? llmModels[index] : nil)
    }

    /// The labeler whose jobs endpoint `index` does: `llm`, or `llm:MODEL` when several models
    /// are configured.
    public func llmLabeler(endpoint index: Int) -> String {
        LabelPolicy.llmLabelerName(model: llmModel(endpoint: index), modelCount: Set(llmModels).count)
    }

    /// Every LLM labeler, in the order of the endpoints that first name them.
    public var llmLabelers: [String] {
        var seen: [String] = []
        for index in llmEndpoints.indices where !seen.contains(llmLabeler(endpoint: index)) { seen.append(llmLabeler(endpoint: index)) }
        return seen
    }

    /// Where task names are looked up: `task_dir` if set, then the local and the shipped tasks.
    public var taskDirectories: [String] {
        (taskDirectory.map { [$0] } ?? []) + ["/etc/radd/tasks", "/usr/local/share/radd/tasks"]
    }

    /// The settings (keys, or `[folder]` for the folder sections) whose values differ in `other`.
    public func changedKeys(to other: DaemonConfiguration) -> [String] {
        var changed = Self.keys.filter { value(of: $0) != other.value(of: $0) }
        if folderSections != other.folderSections { changed.append("[folder]") }
        return changed
    }

    /// Lists of concurrencies and models must match the list of endpoints.
    public func checkLLMLists() throws {
        if llmConcurrencies.count > 1 && llmConcurrencies.count != llmEndpoints.count {
            throw Problem("llm_concurrency lists \(llmConcurrencies.count) numbers for \(llmEndpoints.count) llm_endpoint entries; give one number, or one per endpoint")
        }
        if llmModels.count > 1 && llmModels.count != llmEndpoints.count {
            throw Problem("llm_model lists \(llmModels.count) models for \(llmEndpoints.count) llm_endpoint entries; give one model, or one per endpoint (an endpoint that serves several models is listed once for each)")
        }
    }

    /// An interval of 1 second to a day.
    static func wholeSeconds(_ value: String, _ key: String) throws -> Int {
        guard let seconds = Int(value), (1...86_400).contains(seconds) else {
            throw Problem("\(key) '\(value)' must be a whole number of seconds from 1 to 86400")
        }
        return seconds
    }

    /// Comma- or space-separated values.
    static func list(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }

    /// Relative paths are taken from the working directory, so `raddd --drop-dir drop` works by hand.
    static func path(_ value: String, _ key: String) throws -> String {
        guard !value.isEmpty else { throw Problem("\(key) must not be empty") }
        let absolute = value.hasPrefix("/") ? value : FileManager.default.currentDirectoryPath + "/" + value
        return (absolute as NSString).standardizingPath
    }

    /// Reads `key = value` lines. `#` starts a comment, on a line of its own or after a value;
    /// values may be double-quoted (then `#` inside them is kept). CRLF line ends are accepted.
    /// A `[folder NAME]` line starts the settings of one more watched folder; the keys after it,
    /// up to the next section, are that folder's (`DropFolderSettings.keys`).
    public mutating func apply(configFile path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Problem("cannot read config file \(path): \(String(cString: strerror(errno)))") }
        let data: Data
        do { data = try FileHandle(fileDescriptor: fd, closeOnDealloc: true).readToEnd() ?? Data() } catch {
            throw Problem("cannot read config file \(path): \(String(cString: strerror(errno)))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Problem("\(path): not UTF-8 text")
        }
        var section: Int?
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                do { section = try startSection(line) } catch let problem as Problem {
                    throw Problem("\(path):\(index + 1): \(problem.message)")
                }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw Problem("\(path):\(index + 1): expected 'key = value'")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\"") {
                guard let close = value.dropFirst().firstIndex(of: "\"") else {
                    throw Problem("\(path):\(index + 1): unterminated quote in the value of '\(key)'")
                }
                let rest = value[value.index(after: close)...].trimmingCharacters(in: .whitespaces)
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    throw Problem("\(path):\(index + 1): unexpected text after the quoted value of '\(key)'")
                }
                value = String(value[value.index(after: value.startIndex)..<close])
            } else if let comment = value.range(of: " #") ?? value.range(of: "\t#") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            do {
                if let section { try folderSections[section].set(key, value) } else { try set(key, value) }
            } catch let problem as Problem {
                throw Problem("\(path):\(index + 1): \(problem.message)")
            }
        }
        try checkLLMLists()
        for folder in folderSections where folder.path.isEmpty && folder.name != DropFolderSettings.defaultName {
            throw Problem("\(path): [folder \(folder.name)] has no path")
        }
        try checkFolders()
    }

    private mutating func startSection(_ line: String) throws -> Int {
        guard line.hasSuffix("]") else { throw Problem("expected '[folder NAME]'") }
        let words = line.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, words[0] == "folder" else { throw Problem("expected '[folder NAME]'") }
        let name = String(words[1])
        guard DropFolderSettings.validName(name) else {
            throw Problem("folder name '\(name)' must be 1 to 32 letters, digits, '-' or '_'")
        }
        guard !folderSections.contains(where: { $0.name == name }) else { throw Problem("[folder \(name)] appears twice") }
        folderSections.append(DropFolderSettings(name: name, path: ""))
        return folderSections.count - 1
    }

    /// Two folders on one path would claim each other's files; an archive inside a drop folder
    /// would be watched.
    func checkFolders() throws {
        var seen: [String: String] = [:]
        for folder in folders {
            if let other = seen[folder.path] {
                throw Problem("folders '\(other)' and '\(folder.name)' have the same path \(folder.path)")
            }
            seen[folder.path] = folder.name
        }
        for folder in folders {
            guard let archive = folder.archiveDirectory else { continue }
            if let owner = seen[archive] {
                throw Problem("archive_dir of folder '\(folder.name)' is the drop folder '\(owner)'")
            }
        }
    }
}
