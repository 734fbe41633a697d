import Foundation
import RaddCore

/// Who asked. Taken from the kernel (SO_PEERCRED) for socket requests, or the daemon's own
/// identity for pipeline events; never from anything a client says.
public struct AuditActor: Sendable, Equatable {
    public var uid: UInt32
    public var username: String
    public var pid: Int32
    /// The roles the request was made under (`viewer`, `auditor`, …), `daemon` for the
    /// daemon's own work, empty for a user who holds none.
    public var role: String

    public init(uid: UInt32, username: String, pid: Int32, role: String = "daemon") {
        self.uid = uid
        self.username = username
        self.pid = pid
        self.role = role
    }
}

/// The DICOM/ATNA action codes: Create, Read, Update, Delete, Execute.
public enum AuditAction: String, Sendable {
    case create = "C", read = "R", update = "U", delete = "D", execute = "E"
}

public enum AuditOutcome: String, Sendable, CaseIterable {
    case success
    case denied
    case minorFailure = "minor_failure"
    case seriousFailure = "serious_failure"
}

/// A (seq, hash) pair the daemon wrote outside the database, so that a replaced or truncated
/// database can be told from the real one.
public struct AuditCheckpoint: Sendable, Equatable, Codable {
    public var seq: Int64
    public var hash: String
    public var at: String

    public init(seq: Int64, hash: String, at: String) {
        self.seq = seq
        self.hash = hash
        self.at = at
    }
}

/// Audit writes happen inside the caller's transaction, so an action and its record commit or fail
/// together. `object` holds radd-assigned identifiers and query parameters, never PHI. Each
/// record is chained to the one before by SHA-256; radd never updates or deletes a record
/// (triggers refuse it).
public struct AuditLog {
    let database: Database
    /// Written into every record's `source`: the appliance id.
    var source: String?

    public func append(event: AuditEvent, action: AuditAction, outcome: AuditOutcome, outcomeText: String? = nil,
                       actor: AuditActor, object: String?, at date: Date = Date()) throws {
        try database.transaction {
            let last = try database.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
                .withReset { try $0.step() ? ($0.integer(0), $0.text(1)) : nil }
            // AUTOINCREMENT never reuses a number, so the next one is past any deleted last record.
            let counter = try database.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit'")
                .withReset { try $0.step() ? $0.integer(0) : 0 }
            var record = AuditRecord(seq: max(counter, last?.0 ?? 0) + 1, at: Timestamp.string(date), event: event.rawValue,
                                     action: action.rawValue, outcome: outcome.rawValue, outcomeText: outcomeText, uid: actor.uid,
                                     username: actor.username, pid: actor.pid, role: actor.role, source: source, object: object,
                                     hash: nil)
            record.hash = record.chainedHash(after: last?.1 ?? AuditRecord.genesis)
            try database.prepare("""
                INSERT INTO audit (seq, at, event, action, outcome, outcome_text, uid, username, pid, role, source, object, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).bind([
                    .integer(record.seq), .text(record.at), .text(record.event), .text(record.action), .text(record.outcome),
                    SQLValue(outcomeText), .integer(Int64(actor.uid)), .text(actor.username), .integer(Int64(actor.pid)),
                    .text(actor.role), SQLValue(source), SQLValue(object), SQLValue(record.hash),
                ]).run()
        }
    }

    public struct Filter: Sendable, Equatable {
        public var since: String?
        public var until: String?
        public var username: String?
        public var uid: UInt32?
        public var events: [String]
        public var outcome: String?

        public init(since: String? = nil, until: String? = nil, username: String? = nil, uid: UInt32? = nil,
                    events: [String] = [], outcome: String? = nil) {
            self.since = since
            self.until = until
            self.username = username
            self.uid = uid
            self.events = events
            self.outcome = outcome
        }
    }

    static let columns = "seq, at, event, action, outcome, outcome_text, uid, username, pid, role, source, object, hash"

    static func record(_ row: Statement) -> AuditRecord {
        AuditRecord(seq: row.integer(0), at: row.text(1) ?? "", event: row.text(2) ?? "", action: row.text(3) ?? "",
                    outcome: row.text(4) ?? "", outcomeText: row.text(5), uid: UInt32(truncatingIfNeeded: row.integer(6)),
                    username: row.text(7) ?? "", pid: Int32(truncatingIfNeeded: row.integer(8)), role: row.text(9),
                    source: row.text(10), object: row.text(11), hash: row.text(12))
    }

    public func records(after seq: Int64 = 0, limit: Int = 1000, filter: Filter = Filter()) throws -> [AuditRecord] {
        var conditions = ["seq > ?"]
        var values: [SQLValue] = [.integer(seq)]
        if let since = filter.since { conditions.append("at >= ?"); values.append(.text(since)) }
        if let until = filter.until { conditions.append("at < ?"); values.append(.text(until)) }
        if let username = filter.username { conditions.append("username = ?"); values.append(.text(username)) }
        if let uid = filter.uid { conditions.append("uid = ?"); values.append(.integer(Int64(uid))) }
        if !filter.events.isEmpty {
            conditions.append("event IN (" + filter.events.map { _ in "?" }.joined(separator: ", ") + ")")
            values += filter.events.map { .text($0) }
        }
        if let outcome = filter.outcome { conditions.append("outcome = ?"); values.append(.text(outcome)) }
        values.append(SQLValue(limit))
        return try database.prepare("""
            SELECT \(Self.columns) FROM audit WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT ?
            """).bind(values).all(Self.record)
    }

    /// The newest record's seq and hash, for a checkpoint.
    public func head() throws -> AuditCheckpoint? {
        try database.prepare("SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1")
            .withReset { try $0.step() ? AuditCheckpoint(seq: $0.integer(0), hash: $0.text(1) ?? "", at: $0.text(2) ?? "") : nil }
    }

    /// Walks the whole chain in seq order: every seq follows the one before, every hash is
    /// recomputed, and every checkpoint must name a record that exists with that hash. A
    /// record changed, deleted, inserted or moved, or a tail cut off behind a checkpoint, fails.
    public func verify(checkpoints: [AuditCheckpoint] = []) throws -> AuditVerification {
        var result = AuditVerification()
        var previousHash = AuditRecord.genesis
        var previousSeq: Int64 = 0
        var hashes: [Int64: String] = [:]
        let wanted = Set(checkpoints.map(\.seq))
        func problem(_ seq: Int64, _ text: String) {
            if result.firstBadSeq == nil { result.firstBadSeq = seq }
            if result.problems.count < 20 { result.problems.append(text) }
        }
        var after: Int64 = -1
        while true {
            let page = try database.prepare("SELECT \(Self.columns) FROM audit WHERE seq > ? ORDER BY seq LIMIT 5000")
                .bind([.integer(after)]).all(Self.record)
            guard let last = page.last else { break }
            after = last.seq
            for record in page {
                result.records += 1
                if result.firstSeq == nil { result.firstSeq = record.seq }
                if record.seq != previousSeq + 1 {
                    problem(previousSeq + 1, previousSeq == 0
                        ? "record \(record.seq) is the first: records 1 to \(record.seq - 1) are missing"
                        : "record \(record.seq) follows \(previousSeq): \(record.seq - previousSeq - 1) record(s) missing")
                }
                let expected = record.chainedHash(after: previousHash)
                if record.hash != expected {
                    problem(record.seq, "record \(record.seq) does not match its hash (changed, moved, or chained to a changed record)")
                }
                if wanted.contains(record.seq) { hashes[record.seq] = record.hash }
                // Chain on the stored hash, so that one changed record is reported once, not
                // every record after it.
                previousHash = record.hash ?? expected
                previousSeq = record.seq
                result.lastSeq = record.seq
                result.lastHash = record.hash
            }
        }
        for checkpoint in checkpoints.sorted(by: { $0.seq < $1.seq }) {
            result.checkpointsChecked += 1
            guard let stored = hashes[checkpoint.seq] else {
                let missing = (result.lastSeq ?? 0) < checkpoint.seq
                problem(missing ? (result.lastSeq ?? 0) + 1 : checkpoint.seq, missing
                    ? "the log ends at record \(result.lastSeq ?? 0), but the checkpoint of \(checkpoint.at) names record \(checkpoint.seq): the tail was cut off"
                    : "the checkpoint of \(checkpoint.at) names record \(checkpoint.seq), which is missing")
                continue
            }
            if stored != checkpoint.hash {
                problem(checkpoint.seq, "record \(checkpoint.seq) differs from the checkpoint of \(checkpoint.at): the log was rewritten")
            }
        }
        result.intact = result.problems.isEmpty
        return result
    }
}
