import Foundation
import RaddCore

/// A dropped file as the store records it: one row per file settled, whatever it held.
public struct IngestedFile: Sendable, Equatable {
    public var claimID: String
    public var folder: String
    public var sourceName: String
    public var format: SourceFormat
    public var byteCount: Int
    /// SHA-256 of the file's bytes, lowercase hex.
    public var sha256: String
    /// What the reader left out and said so (line numbers, never content).
    public var notes: [String]

    public init(claimID: String, folder: String, sourceName: String, format: SourceFormat, byteCount: Int,
                sha256: String, notes: [String] = []) {
        self.claimID = claimID
        self.folder = folder
        self.sourceName = sourceName
        self.format = format
        self.byteCount = byteCount
        self.sha256 = sha256
        self.notes = notes
    }
}

/// A part of a file (a message of a batch, a Bundle entry, an NDJSON line) that could not be read
/// while the rest of the file was: it is quarantined as a file of its own, recorded with the
/// file's reports.
public struct QuarantinedPart: Sendable, Equatable {
    /// The file's claim id with the part's tag: `<claim>#message3`.
    public var claimID: String
    /// The part's own name (`batch.message3.hl7`), the name it returns under when retried.
    public var sourceName: String
    /// Its name in the quarantine folder (`sourceName`, unless that was taken).
    public var fileName: String
    public var reason: String
    /// The problem's stable code (IngestError.code), which metrics count by.
    public var reasonCode: String?
    public var bytes: [UInt8]

    public init(claimID: String, sourceName: String, fileName: String, reason: String, reasonCode: String? = nil, bytes: [UInt8]) {
        self.claimID = claimID
        self.sourceName = sourceName
        self.fileName = fileName
        self.reason = reason
        self.reasonCode = reasonCode
        self.bytes = bytes
    }
}

/// What committing one file did to the store.
public struct FileOutcome: Sendable, Equatable {
    /// Reports added, in file order.
    public var stored: [Int64] = []
    /// Stored reports the file sent again unchanged (same accession, same status and text).
    public var unchanged: [Int64] = []
    /// Earlier versions that a report in this file replaced.
    public var superseded: [Int64] = []
    /// The claim of an earlier file with exactly the same bytes; the file was then a no-op.
    public var duplicateOf: String?

    public init() {}
}

extension ReportStore {
    public enum Settlement: Equatable, Sendable {
        case stored
        /// `fileName` is the name the file was given in the quarantine folder.
        case quarantined(reason: String, fileName: String?)
    }

    /// Where a claim already ended up, if anywhere. A file left in the work area by a crash after
    /// its commit only needs its last step (removal, or the move to quarantine) finished.
    public func settlement(claimID: String) throws -> Settlement? {
        let settled = try database.prepare("SELECT 1 FROM files WHERE claim_id = ?").bind([.text(claimID)])
            .withReset { try $0.step() }
        if settled { return .stored }
        return try database.prepare("SELECT reason, file_name FROM quarantine WHERE claim_id = ?").bind([.text(claimID)])
            .withReset { try $0.step() ? .quarantined(reason: $0.text(0) ?? "", fileName: $0.text(1)) : nil }
    }

    /// The claim of an already settled file with exactly these bytes, if there is one.
    public func settledFile(sha256: String) throws -> String? {
        try database.prepare("SELECT claim_id FROM files WHERE sha256 = ? ORDER BY settled_at LIMIT 1")
            .bind([.text(sha256)]).withReset { try $0.step() ? $0.text(0) : nil }
    }

    /// Records a file whose bytes were already settled under `original`: nothing is stored again,
    /// but the file is accounted for and audited.
    public func commitDuplicate(_ file: IngestedFile, of original: String, actor: AuditActor) throws {
        try database.transaction {
            guard try settlement(claimID: file.claimID) == nil else { return }
            try insertFileRow(file, outcome: "duplicate", new: 0, unchanged: 0, duplicateOf: original)
            try audit.append(event: .ingest, action: .create, outcome: .success, outcomeText: "duplicate file, nothing stored",
                             actor: actor, object: "claim=\(file.claimID) duplicate_of=\(original)")
        }
    }

    /// Stores a file's de-identified reports, the file's row and their audit records in one
    /// transaction: all of them or none. Committing a claim that is already settled changes nothing,
    /// so a redo after a crash cannot duplicate.
    ///
    /// It takes `DeidentifiedReport`s, never plain `Report`s: the only way a report's text reaches
    /// the store is through a `Deidentifier`, and each one brings its own method and PHI spans, so
    /// they cannot be paired with the wrong report or left out.
    ///
    /// A report with an accession number that is already stored is matched by its pseudonym: the
    /// same status and text is a no-op; anything else is a new version that supersedes the current
    /// one. A preliminary report never replaces a final or corrected one: it arrived late, and is
    /// kept already superseded.
    ///
    /// `quarantinedParts` are the file's parts that could not be read: they are recorded as
    /// quarantined in the same transaction, with their bytes pending until `partsPlaced`.
    @discardableResult
    public func commit(_ file: IngestedFile, reports: [DeidentifiedReport], quarantinedParts: [QuarantinedPart] = [],
                       actor: AuditActor) throws -> FileOutcome {
        guard let pseudonymizer else { throw StoreError.readOnly }
        return try database.transaction {
            var outcome = FileOutcome()
            guard try settlement(claimID: file.claimID) == nil else { return outcome }
            for part in quarantinedParts {
                try insertQuarantineRecord(claimID: part.claimID, folder: file.folder, sourceName: part.sourceName,
                                           fileName: part.fileName, reason: part.reason, reasonCode: part.reasonCode,
                                           partOf: (file.claimID, part.bytes), actor: actor)
            }
            for clean in reports {
                let report = clean.report
                let accession = report.metadata.accession.map(pseudonymizer.pseudonym)
                let current = try accession.flatMap(currentVersion(accession:))
                if let current, current.fingerprint == report.fingerprint {
                    outcome.unchanged.append(current.id)
                    continue
                }
                let arrivedLate = current.map { report.metadata.status == .preliminary && $0.status != .preliminary } ?? false
                let id = try insert(clean, folder: file.folder, accession: accession, supersededBy: arrivedLate ? current?.id : nil)
                outcome.stored.append(id)
                if !arrivedLate { try enqueueLabelJobs(reportID: id, language: report.language) }
                try insertSpans(clean.spans, reportID: id)
                try audit.append(event: .ingest, action: .create, outcome: .success, actor: actor,
                                 object: "report=\(id) claim=\(report.source.claimID)")
                if let current, !arrivedLate {
                    try database.prepare("UPDATE reports SET state = ?, superseded_by = ? WHERE id = ?")
                        .bind([.text(ReportState.superseded.rawValue), .integer(id), .integer(current.id)]).run()
                    // A superseded version is not worth a model's time; its labels so far stay.
                    try database.prepare("DELETE FROM label_jobs WHERE report_id = ?").bind([.integer(current.id)]).run()
                    outcome.superseded.append(current.id)
                    try audit.append(event: .ingest, action: .update, outcome: .success, outcomeText: "superseded",
                                     actor: actor, object: "report=\(current.id) superseded_by=\(id)")
                }
            }
            try insertFileRow(file, outcome: "stored", new: outcome.stored.count, unchanged: outcome.unchanged.count,
                              duplicateOf: nil)
            if !outcome.unchanged.isEmpty || !file.notes.isEmpty {
                let notes = (outcome.unchanged.isEmpty ? [] : ["\(outcome.unchanged.count) report(s) unchanged"]) + file.notes
                try audit.append(event: .ingest, action: .create, outcome: file.notes.isEmpty ? .success : .minorFailure,
                                 outcomeText: notes.joined(separator: "; "), actor: actor, object: "claim=\(file.claimID)")
            }
            return outcome
        }
    }

    /// The quarantined parts of a stored file whose files are not yet in the quarantine folder.
    public func pendingParts(ofClaim claimID: String) throws -> [QuarantinedPart] {
        try database.prepare("""
            SELECT claim_id, source_name, file_name, reason, pending_bytes FROM quarantine
            WHERE parent_claim = ? AND pending_bytes IS NOT NULL AND state = 'held' ORDER BY rowid
            """).bind([.text(claimID)]).all { row in
                QuarantinedPart(claimID: row.text(0) ?? "", sourceName: row.text(1) ?? "", fileName: row.text(2) ?? "",
                                reason: row.text(3) ?? "", bytes: row.blob(4) ?? [])
            }
    }

    /// The parts' files are in the quarantine folder: their bytes need not be kept here any more.
    public func partsPlaced(ofClaim claimID: String) throws {
        try database.transaction {
            try database.prepare("UPDATE quarantine SET pending_bytes = NULL WHERE parent_claim = ? AND pending_bytes IS NOT NULL")
                .bind([.text(claimID)]).run()
        }
    }

    /// The files settled so far, newest first, with what each one did.
    public func settledFiles(limit: Int = 100) throws -> [SettledFile] {
        try database.prepare("""
            SELECT claim_id, folder, source_name, source_format, byte_count, sha256, outcome, reports_new,
                   reports_unchanged, duplicate_of, note, settled_at
            FROM files ORDER BY settled_at DESC, claim_id DESC LIMIT ?
            """).bind([SQLValue(limit)]).all { row in
                SettledFile(claimID: row.text(0) ?? "", folder: row.text(1) ?? "", sourceName: row.text(2) ?? "",
                            format: row.text(3) ?? "", byteCount: row.integer(4), sha256: row.text(5) ?? "",
                            outcome: row.text(6) ?? "", reportsNew: Int(row.integer(7)),
                            reportsUnchanged: Int(row.integer(8)), duplicateOf: row.text(9), note: row.text(10),
                            settledAt: row.text(11) ?? "")
            }
    }

    private struct CurrentVersion {
        var id: Int64
        var status: ReportStatus
        var fingerprint: String
    }

    private func currentVersion(accession: String) throws -> CurrentVersion? {
        try database.prepare("""
            SELECT id, status, fingerprint FROM reports
            WHERE accession_pseudonym = ? AND superseded_by IS NULL ORDER BY id DESC LIMIT 1
            """).bind([.text(accession)]).withReset { row in
                guard try row.step() else { return nil }
                let id = row.integer(0)
                return CurrentVersion(id: id, status: try row.value(1, table: "reports", rowID: id), fingerprint: row.text(2) ?? "")
            }
    }

    private func insert(_ clean: DeidentifiedReport, folder: String, accession: String?, supersededBy: Int64?) throws -> Int64 {
        let report = clean.report
        let metadata = report.metadata
        let sections = report.sections
        let state = supersededBy == nil ? ReportState.stored : ReportState.superseded
        try database.prepare("""
            INSERT INTO reports (claim_id, folder, source_name, source_format, byte_count, state, status,
                accession_pseudonym, patient_pseudonym, exam_code, exam_description, modality, observed_at, reported_at,
                indication, comparison, findings, impression, fingerprint, superseded_by, text, deid_method,
                received_at, stored_at, language)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).bind([
                .text(report.source.claimID), .text(folder), .text(report.source.fileName),
                .text(report.source.format.rawValue), SQLValue(report.source.byteCount), .text(state.rawValue),
                .text(metadata.status.rawValue), SQLValue(accession),
                SQLValue(metadata.patientID.map { pseudonymizer!.pseudonym($0) }), SQLValue(metadata.examCode),
                SQLValue(metadata.examDescription), SQLValue(metadata.modality), SQLValue(metadata.observedAt),
                SQLValue(metadata.reportedAt), SQLValue(sections.indication), SQLValue(sections.comparison),
                SQLValue(sections.findings), SQLValue(sections.impression), .text(report.fingerprint),
                supersededBy.map { .integer($0) } ?? .null, .text(report.text), .text(clean.method),
                .text(Timestamp.string(report.receivedAt)), .text(Timestamp.string(Date())), .text(report.language.rawValue),
            ]).run()
        return database.lastInsertRowID
    }

    /// Only offsets and categories: the text a span covered is gone from the stored report.
    private func insertSpans(_ spans: [PHISpan], reportID: Int64) throws {
        let insert = try database.prepare("INSERT INTO phi_spans (report_id, start, length, category) VALUES (?, ?, ?, ?)")
        for span in spans {
            try insert.bind([.integer(reportID), SQLValue(span.start), SQLValue(span.length), .text(span.category.rawValue)]).run()
        }
    }

    /// How many PHI spans of each category de-identification replaced in a report.
    public func phiSpanCounts(reportID: Int64) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (category, count) in try database.prepare("SELECT category, count(*) FROM phi_spans WHERE report_id = ? GROUP BY category")
            .bind([.integer(reportID)]).all({ ($0.text(0) ?? "", Int($0.integer(1))) }) {
            counts[category] = count
        }
        return counts
    }

    private func insertFileRow(_ file: IngestedFile, outcome: String, new: Int, unchanged: Int, duplicateOf: String?) throws {
        try database.prepare("""
            INSERT INTO files (claim_id, folder, source_name, source_format, byte_count, sha256, outcome, reports_new,
                               reports_unchanged, duplicate_of, note, settled_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).bind([
                .text(file.claimID), .text(file.folder), .text(file.sourceName), .text(file.format.rawValue),
                SQLValue(file.byteCount), .text(file.sha256), .text(outcome), SQLValue(new), SQLValue(unchanged),
                SQLValue(duplicateOf), SQLValue(file.notes.isEmpty ? nil : file.notes.joined(separator: "; ")),
                .text(Timestamp.string(Date())),
            ]).run()
    }
}

public struct SettledFile: Sendable, Equatable {
    public var claimID: String
    public var folder: String
    public var sourceName: String
    public var format: String
    public var byteCount: Int64
    public var sha256: String
    public var outcome: String
    public var reportsNew: Int
    public var reportsUnchanged: Int
    public var duplicateOf: String?
    public var note: String?
    public var settledAt: String
}
