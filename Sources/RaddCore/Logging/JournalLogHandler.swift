import CSystemd
import Foundation
import Logging

/// Writes structured entries to journald through sd_journal_sendv (sd_journal_send is variadic and
/// cannot be called from Swift). Metadata becomes RADD_* fields, so `journalctl RADD_CLAIM=...` works.
public struct JournalLogHandler: LogHandler {
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
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(event.level.syslogPriority)",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "RADD_COMPONENT=\(label)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged {
            fields.append("RADD_\(Self.journalFieldName(key))=\(value)")
        }
        Self.send(fields)
    }

    /// Journal field names are upper-case letters, digits and underscores.
    static func journalFieldName(_ key: String) -> String {
        String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    static func send(_ fields: [String]) {
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
