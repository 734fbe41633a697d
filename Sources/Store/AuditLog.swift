import Foundation
import RaddCore

/// Who asked. Taken from the kernel (SO_PEERCRED) for socket requests, or the daemon's own
/// identity for pipeline events; never from anything a client says.
public struct AuditActor: Sendable, Equatable {
    public var uid: UInt32
    public var username: String
    public var pid: Int32

    public init(uid: UInt32, username: String, pid: Int32) {
        self.uid = uid
        self.username = username
        self.pid = pid
    }
}

/// The DICOM/ATNA action codes: Create, Read, Update, Delete, Execute.
public enum AuditAction: String, Sendable {
    case create = "C", read = "R", update = "U", delete = "D", execute = "E"
}

public enum AuditOutcome: String, Sendable {
    case success
    case denied
    case minorFailure = "minor_failure"
    case seriousFailure = "serious_failure"
}

public struct AuditRecord: Sendable, Equatable {
    public var seq: Int64
    public var at: String
    public var event: String
    public var action: String
    public var outcome: String
    public var outcomeText: String?
    public var uid: UInt32
    public var username: String
    public var pid: Int32
    public var object: String?
}

/// Audit writes happen inside the caller's transaction, so an action and its record commit or fail
/// together. `object` holds radd-assigned identifiers and query parameters, never PHI.
public struct AuditLog {
    let database: Database

    public func append(event: String, action: AuditAction, outcome: AuditOutcome, outcomeText: String? = nil,
                       actor: AuditActor, object: String?, at date: Date = Date()) throws {
        try database.prepare("""
            INSERT INTO audit (at, event, action, outcome, outcome_text, uid, username, pid, object)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).bind([
                .text(Timestamp.string(date)), .text(event), .text(action.rawValue), .text(outcome.rawValue),
                SQLValue(outcomeText), .integer(Int64(actor.uid)), .text(actor.username),
                .integer(Int64(actor.pid)), SQLValue(object),
            ]).run()
    }

    public func records(after seq: Int64 = 0, limit: Int = 1000) throws -> [AuditRecord] {
        try database.prepare("""
            SELECT seq, at, event, action, outcome, outcome_text, uid, username, pid, object
            FROM audit WHERE seq > ? ORDER BY seq LIMIT ?
            """).bind([.integer(seq), SQLValue(limit)]).all { row in
                AuditRecord(seq: row.integer(0), at: row.text(1) ?? "", event: row.text(2) ?? "",
                            action: row.text(3) ?? "", outcome: row.text(4) ?? "", outcomeText: row.text(5),
                            uid: UInt32(truncatingIfNeeded: row.integer(6)), username: row.text(7) ?? "",
                            pid: Int32(truncatingIfNeeded: row.integer(8)), object: row.text(9))
            }
    }
}
