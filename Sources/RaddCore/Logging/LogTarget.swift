import Foundation
import Logging

/// Where log lines go. `auto` picks the journal when journald's socket exists, as systemd services
/// expect, and stderr otherwise (a foreground run by hand, or a container).
public enum LogTarget: String, Sendable, CaseIterable {
    case auto
    case journal
    case stderr

    static let journalSocketPath = "/run/systemd/journal/socket"

    public var resolved: LogTarget {
        guard self == .auto else { return self }
        return FileManager.default.fileExists(atPath: Self.journalSocketPath) ? .journal : .stderr
    }
}

/// Logging rule for the whole code base: messages are fixed sentences, and metadata carries only
/// identifiers radd assigns (claim ids, report ids), counts, durations and error categories. A
/// report's text, a file name from a hospital system, or a patient identifier is never logged.
public enum RaddLogging {
    public static func bootstrap(identifier: String, target: LogTarget, level: Logger.Level) {
        let resolved = target.resolved
        LoggingSystem.bootstrap { label in
            var handler = RaddLogHandler(sink: resolved == .journal ? .journal : .stderr, identifier: identifier, label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level {
    /// syslog(3) priorities, which journald stores as PRIORITY.
    var syslogPriority: Int {
        switch self {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}
