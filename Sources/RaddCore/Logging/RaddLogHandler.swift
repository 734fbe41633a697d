import CSystemd
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// radd's one log handler. To the journal it writes structured entries through sd_journal_sendv
/// (sd_journal_send is variadic and cannot be called from Swift), with metadata as RADD_* fields so
/// that `journalctl RADD_CLAIM=...` works. To stderr it writes one line per event:
/// `TIME IDENT[PID] LEVEL: message key=value ...`.
public struct RaddLogHandler: LogHandler {
    public enum Sink: Sendable { case journal, stderr }

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let sink: Sink
    private let identifier: String
    private let label: String

    public init(sink: Sink, identifier: String, label: String) {
        self.sink = sink
        self.identifier = identifier
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        switch sink {
        case .journal: writeToJournal(event, merged)
        case .stderr: writeToStderr(event, merged)
        }
    }

    private func writeToJournal(_ event: LogEvent, _ metadata: Logger.Metadata) {
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(event.level.syslogPriority)",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "RADD_COMPONENT=\(label)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        for (key, value) in metadata {
            fields.append("RADD_\(Self.journalFieldName(key))=\(value)")
        }
        Self.sendToJournal(fields)
    }

    private func writeToStderr(_ event: LogEvent, _ metadata: Logger.Metadata) {
        let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var line = "\(Timestamp.string(Date())) \(identifier)[\(getpid())] \(event.level): \(event.message)"
        if !fields.isEmpty { line += " " + fields }
        line += "\n"
        // A single write(2) keeps concurrent lines from interleaving.
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }

    /// Journal field names are upper-case letters, digits and underscores.
    static func journalFieldName(_ key: String) -> String {
        String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    static func sendToJournal(_ fields: [String]) {
        let buffers = fields.map { Array($0.utf8) }
        var iovecs: [iovec] = []
        iovecs.reserveCapacity(buffers.count)
        // The buffers must stay alive across the call, so the pointers are taken in nested scopes.
        func withAll(_ index: Int, _ body: () -> Void) {
            if index == buffers.count { body(); return }
            buffers[index].withUnsafeBufferPointer { raw in
                iovecs.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count))
                withAll(index + 1, body)
            }
        }
        withAll(0) {
            _ = iovecs.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}
