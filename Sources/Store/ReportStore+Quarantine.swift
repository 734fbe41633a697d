import Foundation
import RaddCore

public struct QuarantineEntry: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// The file is in the quarantine folder.
        case held
        /// An operator put the file back into its drop folder; it was claimed again as a new file.
        case retried
        /// An operator deleted the file.
        case purged
    }

    public var claimID: String
    public var folder: String
    public var sourceName: String
    /// The file's name in the quarantine folder (the original name unless that was taken).
    public var fileName: String?
    public var reason: String
    public var quarantinedAt: String
    public var state: State
    public var releasedAt: String?
}

extension ReportStore {
    /// Records that a claim is quarantined, with its audit record, before the file is moved: a crash
    /// in between is finished by recovery instead of mistaking the file for new.
    /// `reasonCode` is the problem's stable code (IngestError.code), which metrics count by.
    public func quarantine(claimID: String, folder: String, sourceName: String, fileName: String, reason: String,
                           reasonCode: String? = nil, actor: AuditActor) throws {
        try database.transaction {
            guard try settlement(claimID: claimID) == nil else { return }
            try insertQuarantineRecord(claimID: claimID, folder: folder, sourceName: sourceName, fileName: fileName,
                                       reason: reason, reasonCode: reasonCode, partOf: nil, actor: actor)
        }
    }

    /// The quarantine row and its audit record, inside the caller's transaction: for a whole file
    /// (`partOf` nil), or for a part of a stored file, whose bytes are kept until `partsPlaced`.
    func insertQuarantineRecord(claimID: String, folder: String, sourceName: String, fileName: String, reason: String,
                                reasonCode: String?, partOf parent: (claimID: String, pendingBytes: [UInt8])?, actor: AuditActor) throws {
        try database.prepare("""
            INSERT INTO quarantine (claim_id, folder, source_name, file_name, reason, reason_code, quarantined_at, parent_claim, pending_bytes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).bind([.text(claimID), .text(folder), .text(sourceName), .text(fileName), .text(reason), SQLValue(reasonCode),
                       .text(Timestamp.string(Date())), SQLValue(parent?.claimID), parent.map { .blob($0.pendingBytes) } ?? .null]).run()
        try audit.append(event: .ingest, action: .create, outcome: .minorFailure, outcomeText: "quarantined",
                         actor: actor, object: "claim=\(claimID)" + (parent.map { " part_of=\($0.claimID)" } ?? ""))
    }

    /// Whether a held entry already has this name in the quarantine folder (its file may not have
    /// been moved there yet).
    public func quarantineNameHeld(_ fileName: String) throws -> Bool {
        try database.prepare("SELECT 1 FROM quarantine WHERE file_name = ? AND state = 'held' LIMIT 1")
            .bind([.text(fileName)]).withReset { try $0.step() }
    }

    public func quarantined(state: QuarantineEntry.State? = .held, limit: Int = 100, afterClaim: String? = nil) throws -> [QuarantineEntry] {
        try database.prepare("""
            SELECT claim_id, folder, source_name, file_name, reason, quarantined_at, state, released_at FROM quarantine
            WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR claim_id > ?2) ORDER BY claim_id LIMIT ?3
            """).bind([SQLValue(state?.rawValue), SQLValue(afterClaim), SQLValue(limit)]).all(Self.quarantineEntry)
    }

    public func quarantineEntry(claimID: String) throws -> QuarantineEntry? {
        try database.prepare("""
            SELECT claim_id, folder, source_name, file_name, reason, quarantined_at, state, released_at FROM quarantine
            WHERE claim_id = ?
            """).bind([.text(claimID)]).withReset { try $0.step() ? Self.quarantineEntry($0) : nil }
    }

    /// Marks a held entry retried or purged. `move` does the file operation inside the transaction,
    /// after the audit record is written and before it commits: if the record cannot be written
    /// the file is not touched, and if the file operation fails nothing is recorded.
    public func release(claimID: String, as state: QuarantineEntry.State, actor: AuditActor,
                        _ move: (QuarantineEntry) throws -> Void) throws {
        precondition(state != .held)
        try database.transaction {
            guard let entry = try quarantineEntry(claimID: claimID) else { throw StoreError.notFound }
            guard entry.state == .held else { throw StoreError.alreadyReleased(state: entry.state.rawValue) }
            try database.prepare("UPDATE quarantine SET state = ?, released_at = ? WHERE claim_id = ?")
                .bind([.text(state.rawValue), .text(Timestamp.string(Date())), .text(claimID)]).run()
            try audit.append(event: .quarantine, action: state == .purged ? .delete : .update, outcome: .success,
                             outcomeText: state.rawValue, actor: actor, object: "claim=\(claimID)")
            try move(entry)
        }
    }

    private static func quarantineEntry(_ row: Statement) -> QuarantineEntry {
        QuarantineEntry(claimID: row.text(0) ?? "", folder: row.text(1) ?? "", sourceName: row.text(2) ?? "",
                        fileName: row.text(3), reason: row.text(4) ?? "", quarantinedAt: row.text(5) ?? "",
                        state: QuarantineEntry.State(rawValue: row.text(6) ?? "") ?? .held, releasedAt: row.text(7))
    }
}
