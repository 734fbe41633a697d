import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// One line per event on stderr: `TIME IDENT[PID] LEVEL: message key=value ...`.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let identifier: String
    private let label: String

    public init(identifier: String, label: String) {
        self.identifier = identifier
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var line = "\(Timestamp.string(Date())) \(identifier)[\(getpid())] \(event.level): \(event.message)"
        if !fields.isEmpty { line += " " + fields }
        line += "\n"
        // A single write(2) keeps concurrent lines from interleaving.
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }
}
