import Foundation
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
    public var quarantineDirectory: String?
    public var socketPath = "/run/radd/raddd.sock"
    public var socketGroup: String?
    public var keyFile = "/etc/radd/db.key"
    public var logLevel: Logger.Level = .info
    public var logTarget: LogTarget = .auto
    public var rescanIntervalSeconds = 30
    public var settleSeconds: Double = 2
    public var maxFileBytes: Int64 = 64 << 20

    public init() {}

    public var databasePath: String { stateDirectory + "/radd.db" }
    public var effectiveQuarantineDirectory: String { quarantineDirectory ?? stateDirectory + "/quarantine" }

    /// Every key `set(_:_:)` accepts, in the order the docs list them; each is also a flag
    /// (`state_dir` is `--state-dir`). Docs/configuration.md says what each one means.
    public static let keys = [
        "state_dir", "drop_dir", "quarantine_dir", "socket", "socket_group", "key_file",
        "log_level", "log_target", "rescan_interval", "settle_time", "max_file_bytes",
    ]

    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    public mutating func set(_ key: String, _ rawValue: String) throws {
        let value = rawValue.trimmingCharacters(in: .whitespaces)
        switch key {
        case "state_dir": stateDirectory = try Self.path(value, key)
        case "drop_dir": dropDirectory = try Self.path(value, key)
        case "quarantine_dir": quarantineDirectory = try Self.path(value, key)
        case "socket": socketPath = try Self.path(value, key)
        case "socket_group": socketGroup = value.isEmpty ? nil : value
        case "key_file": keyFile = try Self.path(value, key)
        case "log_level":
            let levels: [String: Logger.Level] = ["debug": .debug, "info": .info, "notice": .notice,
                                                  "warning": .warning, "error": .error]
            guard let level = levels[value.lowercased()] else {
                throw Problem("log_level '\(value)' is not one of debug, info, notice, warning, error")
            }
            logLevel = level
        case "log_target":
            guard let target = LogTarget(rawValue: value.lowercased()) else {
                throw Problem("log_target '\(value)' is not one of auto, journal, stderr")
            }
            logTarget = target
        case "rescan_interval":
            guard let seconds = Int(value), (1...86_400).contains(seconds) else {
                throw Problem("rescan_interval '\(value)' must be a whole number of seconds from 1 to 86400")
            }
            rescanIntervalSeconds = seconds
        case "settle_time":
            guard let seconds = Double(value), (0...3600).contains(seconds) else {
                throw Problem("settle_time '\(value)' must be a number of seconds from 0 to 3600")
            }
            settleSeconds = seconds
        case "max_file_bytes":
            guard let bytes = Int64(value), bytes > 0 else {
                throw Problem("max_file_bytes '\(value)' must be a positive number of bytes")
            }
            maxFileBytes = bytes
        default:
            let known = Self.keys.joined(separator: ", ")
            throw Problem("unknown setting '\(key)' (known settings: \(known))")
        }
    }

    /// Relative paths are taken from the working directory, so `raddd --drop-dir drop` works by hand.
    static func path(_ value: String, _ key: String) throws -> String {
        guard !value.isEmpty else { throw Problem("\(key) must not be empty") }
        let absolute = value.hasPrefix("/") ? value : FileManager.default.currentDirectoryPath + "/" + value
        return (absolute as NSString).standardizingPath
    }

    /// Reads `key = value` lines. `#` starts a comment, on a line of its own or after a value;
    /// values may be double-quoted (then `#` inside them is kept). CRLF line ends are accepted.
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
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
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
            do { try set(key, value) } catch let problem as Problem {
                throw Problem("\(path):\(index + 1): \(problem.message)")
            }
        }
    }
}
