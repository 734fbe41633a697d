import Foundation
import Logging
import RaddCore
import Store
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The audit chain's head (its last record's seq and hash), written outside the database: to the
/// log (the journal or syslog, which a hospital forwards to its log collector) and to a file next
/// to the database. A database truncated, rolled back or replaced whole then disagrees with a
/// checkpoint, which a chain that is only consistent with itself cannot show.
final class AuditCheckpoints: Sendable {
    let path: String
    private let logger = Logger(label: "audit")
    /// The seq last written, and when the head was last checkpointed (written, or found
    /// unchanged since); held while writing, so two writers cannot both append one head.
    private let lastWritten = Mutex<(seq: Int64?, at: Date?)>((nil, nil))

    /// When the chain's head was last checkpointed; nil before the first checkpoint.
    var lastCheckpointAt: Date? { lastWritten.withLock { $0.at } }

    init(path: String) {
        self.path = path
    }

    /// "SEQ:HASH", as `raddctl audit verify --checkpoint` takes it from the journal.
    static func parse(argument: String) -> AuditCheckpoint? {
        let parts = argument.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let seq = Int64(parts[0]), seq > 0, isHash(parts[1]) else { return nil }
        return AuditCheckpoint(seq: seq, hash: parts[1].lowercased(), at: "given")
    }

    static func isHash(_ text: String) -> Bool {
        text.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    /// Every checkpoint in the file; a line that is not one is an error that names it.
    func all() throws -> [AuditCheckpoint] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var checkpoints: [AuditCheckpoint] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 3, let seq = Int64(fields[0]), Self.isHash(fields[1]) else {
                throw SystemError("\(path):\(index + 1): not a checkpoint (SEQ SHA256 TIME)", code: EINVAL)
            }
            checkpoints.append(AuditCheckpoint(seq: seq, hash: fields[1], at: fields[2]))
        }
        return checkpoints
    }

    /// Writes the store's current head, unless it was the last one written. Failing to write
    /// the file is logged, not fatal: the log line is the checkpoint that matters most.
    func write(from store: ReportStore) {
        guard let head = try? store.audit.head() else { return }
        lastWritten.withLock { lastWritten in
            guard head.seq != lastWritten.seq else {
                lastWritten.at = Date()
                return
            }
            logger.notice("audit checkpoint", metadata: ["seq": "\(head.seq)", "sha256": "\(head.hash)", "recordedAt": "\(head.at)"])
            do {
                try append("\(head.seq) \(head.hash) \(Timestamp.string(Date()))\n")
                lastWritten = (head.seq, Date())
            } catch {
                logger.error("cannot write the audit checkpoint file", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
    }

    private func append(_ line: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw SystemError("opening \(path)") }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw SystemError("writing \(path)") }
        guard fsync(fd) == 0 else { throw SystemError("syncing \(path)") }
    }
}
