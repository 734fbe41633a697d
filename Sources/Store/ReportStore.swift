import Foundation
import RaddCore

/// A report as stored. `text` is the de-identified text; `deidMethod` says which de-identifier
/// produced it ("none" until de-identification is configured).
public struct StoredReport: Sendable, Equatable {
    public var id: Int64
    public var claimID: String
    public var sourceName: String
    public var format: String
    public var byteCount: Int64
    public var state: String
    public var deidMethod: String
    public var receivedAt: String
    public var storedAt: String
    public var text: String?
}

public struct StoredLabel: Sendable, Equatable {
    public var finding: String
    public var value: String
    public var labeler: String
    public var model: String?
    public var labelerVersion: String
    public var createdAt: String
}

public struct QuarantineEntry: Sendable, Equatable {
    public var claimID: String
    public var sourceName: String
    public var reason: String
    public var quarantinedAt: String
}

public enum ReportState: String, Sendable, CaseIterable {
    /// Stored and waiting for labels.
    case stored
    case labelled
}

/// The encrypted store: reports, labels, quarantine records and the audit trail in one SQLCipher file.
public final class ReportStore: @unchecked Sendable {
    public let database: Database
    public var audit: AuditLog { AuditLog(database: database) }

    /// Opens the store and brings its schema up to date. With `migrate: false` (for
    /// `raddd --check-config`) nothing is changed, but a schema newer than this binary still fails.
    public init(path: String, key: DatabaseKey, migrate: Bool = true) throws {
        database = try Database(path: path, key: key)
        if migrate {
            try Migrations.run(on: database)
        } else if let found = try? Migrations.schemaVersion(of: database), found > Migrations.latestVersion {
            throw StoreError.schemaTooNew(path: path, found: found, supported: Migrations.latestVersion)
        }
    }

    public static var supportedSchemaVersion: Int { Migrations.latestVersion }

    public func schemaVersion() throws -> Int { try Migrations.schemaVersion(of: database) }

    public func close() { database.close() }

    // MARK: - Ingest

    public enum Settlement: Equatable, Sendable {
        case stored
        case quarantined(reason: String)
    }

    /// Where a claim already ended up, if anywhere. A file left in the work area by a crash after
    /// its commit only needs its last step (removal, or the move to quarantine) finished.
    /// A file that held several reports stores them as `<claim id>#1`, `#2`, ... in one
    /// transaction, so any of them means the whole file was stored.
    public func settlement(claimID: String) throws -> Settlement? {
        let stored = try database.prepare("SELECT 1 FROM reports WHERE claim_id = ?1 OR claim_id LIKE ?1 || '#%' LIMIT 1")
            .bind([.text(claimID)]).withReset { try $0.step() }
        if stored { return .stored }
        return try database.prepare("SELECT reason FROM quarantine WHERE claim_id = ?").bind([.text(claimID)])
            .withReset { try $0.step() ? .quarantined(reason: $0.text(0) ?? "") : nil }
    }

    /// Stores a de-identified report and its audit record in one transaction. Storing the same
    /// claim twice returns the first id, so a redo after a crash cannot duplicate.
    @discardableResult
    public func store(_ report: Report, deidMethod: String, actor: AuditActor) throws -> Int64 {
        try database.transaction {
            if let existing = try reportID(claimID: report.source.claimID) { return existing }
            let now = Timestamp.string(Date())
            try database.prepare("""
                INSERT INTO reports (claim_id, source_name, source_format, byte_count, state, text, deid_method, received_at, stored_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).bind([
                    .text(report.source.claimID), .text(report.source.fileName), .text(report.source.format.rawValue),
                    SQLValue(report.source.byteCount), .text(ReportState.stored.rawValue), .text(report.text),
                    .text(deidMethod), .text(Timestamp.string(report.receivedAt)), .text(now),
                ]).run()
            let id = database.lastInsertRowID
            try audit.append(event: "ingest", action: .create, outcome: .success, actor: actor,
                             object: "report=\(id) claim=\(report.source.claimID)")
            return id
        }
    }

    public func quarantine(claimID: String, sourceName: String, reason: String, actor: AuditActor) throws {
        try database.transaction {
            guard try settlement(claimID: claimID) == nil else { return }
            try database.prepare("""
                INSERT INTO quarantine (claim_id, source_name, reason, quarantined_at) VALUES (?, ?, ?, ?)
                """).bind([.text(claimID), .text(sourceName), .text(reason), .text(Timestamp.string(Date()))]).run()
            try audit.append(event: "ingest", action: .create, outcome: .minorFailure, outcomeText: "quarantined",
                             actor: actor, object: "claim=\(claimID)")
        }
    }

    func reportID(claimID: String) throws -> Int64? {
        try database.prepare("SELECT id FROM reports WHERE claim_id = ?").bind([.text(claimID)])
            .withReset { try $0.step() ? $0.integer(0) : nil }
    }

    // MARK: - Queries

    /// Report counts by state, with quarantined files counted under "quarantined".
    public func countsByState() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for state in ReportState.allCases { counts[state.rawValue] = 0 }
        for (state, count) in try database.prepare("SELECT state, count(*) FROM reports GROUP BY state")
            .all({ ($0.text(0) ?? "", Int($0.integer(1))) }) {
            counts[state] = count
        }
        counts["quarantined"] = Int(try database.scalarText("SELECT count(*) FROM quarantine") ?? "0") ?? 0
        return counts
    }

    public func reports(state: String? = nil, limit: Int = 100, afterID: Int64 = 0) throws -> [StoredReport] {
        try database.prepare("""
            SELECT id, claim_id, source_name, source_format, byte_count, state, deid_method, received_at, stored_at
            FROM reports WHERE id > ? AND (?2 IS NULL OR state = ?2) ORDER BY id LIMIT ?3
            """).bind([.integer(afterID), SQLValue(state), SQLValue(limit)]).all(Self.storedReport)
    }

    public func report(id: Int64) throws -> StoredReport? {
        try database.prepare("""
            SELECT id, claim_id, source_name, source_format, byte_count, state, deid_method, received_at, stored_at, text
            FROM reports WHERE id = ?
            """).bind([.integer(id)]).withReset { statement in
                guard try statement.step() else { return nil }
                var report = Self.storedReport(statement)
                report.text = statement.text(9)
                return report
            }
    }

    public func labels(reportID: Int64) throws -> [StoredLabel] {
        try database.prepare("""
            SELECT finding, value, labeler, model, labeler_version, created_at FROM labels WHERE report_id = ? ORDER BY id
            """).bind([.integer(reportID)]).all { row in
                StoredLabel(finding: row.text(0) ?? "", value: row.text(1) ?? "", labeler: row.text(2) ?? "",
                            model: row.text(3), labelerVersion: row.text(4) ?? "", createdAt: row.text(5) ?? "")
            }
    }

    public func quarantined(limit: Int = 100) throws -> [QuarantineEntry] {
        try database.prepare("SELECT claim_id, source_name, reason, quarantined_at FROM quarantine ORDER BY id LIMIT ?")
            .bind([SQLValue(limit)]).all { row in
                QuarantineEntry(claimID: row.text(0) ?? "", sourceName: row.text(1) ?? "",
                                reason: row.text(2) ?? "", quarantinedAt: row.text(3) ?? "")
            }
    }

    /// Runs a request's read or write and its audit record in one transaction. If the body fails,
    /// the failure is audited in a transaction of its own and the error rethrown; if no audit record
    /// can be written at all, the request fails.
    public func audited<T>(event: String, action: AuditAction, actor: AuditActor, object: String?,
                           _ body: () throws -> T) throws -> T {
        do {
            return try database.transaction {
                let result = try body()
                try audit.append(event: event, action: action, outcome: .success, actor: actor, object: object)
                return result
            }
        } catch {
            try database.transaction {
                try audit.append(event: event, action: action, outcome: .minorFailure,
                                 outcomeText: Self.auditText(for: error), actor: actor, object: object)
            }
            throw error
        }
    }

    static func auditText(for error: Error) -> String {
        if let error = error as? StoreError { return error == .notFound ? "not found" : "store error" }
        return "failed"
    }

    private static func storedReport(_ row: Statement) -> StoredReport {
        StoredReport(id: row.integer(0), claimID: row.text(1) ?? "", sourceName: row.text(2) ?? "",
                     format: row.text(3) ?? "", byteCount: row.integer(4), state: row.text(5) ?? "",
                     deidMethod: row.text(6) ?? "", receivedAt: row.text(7) ?? "", storedAt: row.text(8) ?? "",
                     text: nil)
    }
}
