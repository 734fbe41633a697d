import Foundation
import RaddCore

/// A report as stored. `text` is the de-identified text; `deidMethod` says which de-identifier
/// produced it ("none" until de-identification is configured). `format`, `state` and `status` are
/// read into their enums, and a row holding a value none of them has is not read at all
/// (`StoreError.unknownValue`) rather than shown as some default.
public struct StoredReport: Sendable, Equatable {
    public var id: Int64
    public var claimID: String
    public var folder: String
    public var sourceName: String
    public var format: SourceFormat
    public var byteCount: Int64
    public var state: ReportState
    public var status: ReportStatus
    public var accessionPseudonym: String?
    public var patientPseudonym: String?
    public var examCode: String?
    public var examDescription: String?
    public var modality: String?
    public var observedAt: String?
    public var reportedAt: String?
    public var supersededBy: Int64?
    public var deidMethod: String
    public var receivedAt: String
    public var storedAt: String
    /// Migration 10; `en` for reports stored before.
    public var language: ReportLanguage = .en
    /// Only read for a single report: the de-identified text and its sections.
    public var text: String?
    public var sections: ReportSections?
}

public struct StoredLabel: Sendable, Equatable {
    public var finding: String
    public var value: String
    public var labeler: String
    public var model: String?
    public var labelerVersion: String
    public var createdAt: String
}

public enum ReportState: String, Sendable, CaseIterable {
    /// Stored and waiting for labels.
    case stored
    case labelled
    /// A later version of the same accession replaced it; it is kept for provenance.
    case superseded
}

/// The encrypted store: reports, labels, quarantine records and the audit trail in one SQLCipher file.
/// Everything it holds besides the connection is fixed when it opens, so threads share it freely.
public final class ReportStore: Sendable {
    public let database: Database
    public var audit: AuditLog { AuditLog(database: database, source: applianceID) }
    /// Written as the source of every audit record (`appliance_id`).
    public let applianceID: String?
    /// Keyed with the store's own pseudonym key (see `pseudonymKey`); nil only when opened
    /// without migrating, for `--check-config`.
    public let pseudonymizer: Pseudonymizer?
    /// The labelling jobs every newly stored report gets, in the transaction that stores it.
    public let labelPlan: LabelPlan
    /// The copy made before this open migrated the schema (placed, not yet audited: the
    /// opener audits it, because only it knows who is acting).
    public let migrationBackup: PendingBackup?

    /// Opens the store and brings its schema up to date. With `migrate: false` (for
    /// `raddd --check-config`) nothing is changed, but a schema newer than this binary still fails.
    /// With a `backupDirectory`, a database with an older schema is first copied there
    /// (`radd-schemaN-before-vM-TIME.db`, a backup like `raddctl backup` makes); all steps of a
    /// migration then commit together or not at all, so a failed one leaves the old database as it was.
    public init(path: String, key: DatabaseKey, migrate: Bool = true, applianceID: String? = nil,
                labelPlan: LabelPlan = LabelPlan(), backupDirectory: String? = nil) throws {
        database = try Database(path: path, key: key)
        self.applianceID = applianceID
        self.labelPlan = labelPlan
        var migrationBackup: PendingBackup?
        if migrate {
            let current = try Migrations.schemaVersion(of: database)
            if let backupDirectory, current >= 1, current < Migrations.latestVersion {
                let name = "radd-schema\(current)-before-v\(Migrations.latestVersion)-\(DatabaseRestore.fileStamp(Date())).db"
                let pending = try DatabaseBackup.prepare(of: database,
                                                         destination: (backupDirectory as NSString).appendingPathComponent(name))
                try pending.place()
                migrationBackup = pending
            }
            try Migrations.run(on: database)
            pseudonymizer = Pseudonymizer(key: try PseudonymKey.loadOrCreate(in: database))
        } else {
            pseudonymizer = nil
            if let found = try? Migrations.schemaVersion(of: database), found > Migrations.latestVersion {
                throw StoreError.schemaTooNew(path: path, found: found, supported: Migrations.latestVersion)
            }
        }
        self.migrationBackup = migrationBackup
    }

    /// The SQL condition that a report is current: no later version replaced it. Every query of
    /// current reports uses this one text, so that they cannot come to disagree about which
    /// reports count. `alias` is the reports table's alias in the statement, if it has one.
    static func currentReport(_ alias: String = "") -> String {
        let column = alias.isEmpty ? "" : alias + "."
        return "\(column)superseded_by IS NULL AND \(column)state != 'superseded'"
    }

    public static var supportedSchemaVersion: Int { Migrations.latestVersion }

    public func schemaVersion() throws -> Int { try Migrations.schemaVersion(of: database) }

    public func close() { database.close() }

    // MARK: - Queries

    /// Report counts by state, with quarantined files counted under "quarantined".
    public func countsByState() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for state in ReportState.allCases { counts[state.rawValue] = 0 }
        for (state, count) in try database.prepare("SELECT state, count(*) FROM reports GROUP BY state")
            .all({ ($0.text(0) ?? "", Int($0.integer(1))) }) {
            counts[state] = count
        }
        counts["quarantined"] = Int(try database.scalarText("SELECT count(*) FROM quarantine WHERE state = 'held'") ?? "0") ?? 0
        return counts
    }

    static let summaryColumns = """
        id, claim_id, folder, source_name, source_format, byte_count, state, status, accession_pseudonym,
        patient_pseudonym, exam_code, exam_description, modality, observed_at, reported_at, superseded_by,
        deid_method, received_at, stored_at, language
        """

    public func reports(state: ReportState? = nil, language: ReportLanguage? = nil, limit: Int = 100,
                        afterID: Int64 = 0) throws -> [StoredReport] {
        try database.prepare("""
            SELECT \(Self.summaryColumns)
            FROM reports WHERE id > ? AND (?2 IS NULL OR state = ?2) AND (?4 IS NULL OR language = ?4) ORDER BY id LIMIT ?3
            """).bind([.integer(afterID), SQLValue(state?.rawValue), SQLValue(limit), SQLValue(language?.rawValue)])
            .all(Self.storedReport)
    }

    /// Current reports (not superseded) per language; a language with none is absent.
    public func currentCountsByLanguage() throws -> [ReportLanguage: Int] {
        var counts: [ReportLanguage: Int] = [:]
        for (language, count) in try database.prepare("""
            SELECT language, count(*) FROM reports r WHERE \(Self.currentReport("r")) GROUP BY language
            """).all({ ($0.text(0) ?? "", Int($0.integer(1))) }) {
            // Fail closed: a language this binary does not know is not counted as some other one.
            guard let known = ReportLanguage(rawValue: language) else {
                throw StoreError.unknownValue(table: "reports", column: "language", rowID: 0)
            }
            counts[known] = count
        }
        return counts
    }

    public func report(id: Int64) throws -> StoredReport? {
        try database.prepare("""
            SELECT \(Self.summaryColumns), text, indication, comparison, findings, impression
            FROM reports WHERE id = ?
            """).bind([.integer(id)]).withReset { row in
                guard try row.step() else { return nil }
                var report = try Self.storedReport(row)
                report.text = row.text(20)
                report.sections = ReportSections(indication: row.text(21), comparison: row.text(22),
                                                 findings: row.text(23), impression: row.text(24))
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

    /// Runs a request's read or write and its audit record in one transaction. If the body fails,
    /// the failure is audited in a transaction of its own and the error rethrown; if no audit record
    /// can be written at all, the request fails.
    public func audited<T>(event: AuditEvent, action: AuditAction, actor: AuditActor, object: String?,
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

    public static func auditText(for error: Error) -> String {
        if let error = error as? StoreError { return error == .notFound ? "not found" : "store error" }
        return "failed"
    }

    /// Fails with `StoreError.unknownValue` for a format, state or status no case has.
    static func storedReport(_ row: Statement) throws -> StoredReport {
        let id = row.integer(0)
        return StoredReport(id: id, claimID: row.text(1) ?? "", folder: row.text(2) ?? "", sourceName: row.text(3) ?? "",
                            format: try row.value(4, table: "reports", rowID: id), byteCount: row.integer(5),
                            state: try row.value(6, table: "reports", rowID: id),
                            status: try row.value(7, table: "reports", rowID: id), accessionPseudonym: row.text(8),
                            patientPseudonym: row.text(9), examCode: row.text(10), examDescription: row.text(11),
                            modality: row.text(12), observedAt: row.text(13), reportedAt: row.text(14),
                            supersededBy: row.isNull(15) ? nil : row.integer(15), deidMethod: row.text(16) ?? "",
                            receivedAt: row.text(17) ?? "", storedAt: row.text(18) ?? "",
                            language: try row.value(19, table: "reports", rowID: id), text: nil, sections: nil)
    }
}
