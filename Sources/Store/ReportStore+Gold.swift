import Foundation
import RaddCore

/// A radiologist's answer for one report, to be stored as gold.
public struct GoldAnswer: Sendable {
    public var reportID: Int64
    /// In the task's finding order.
    public var values: [(finding: String, value: LabelValue)]
    public var followUp: [String]?

    public init(reportID: Int64, values: [(finding: String, value: LabelValue)], followUp: [String]?) {
        self.reportID = reportID
        self.values = values
        self.followUp = followUp
    }
}

// Gold answers are label sets of the labeler `gold`, so that they carry provenance (who, when,
// from which worksheet or review) and export like any labeler's. Each new answer is a new
// version; the latest one counts. The label policy never votes with them.
extension ReportStore {
    public static let goldLabeler = "gold"

    /// Current report ids (not superseded) for accession pseudonyms; unknown ones are absent.
    public func currentReportIDs(accessionPseudonyms: [String]) throws -> [String: Int64] {
        let lookup = try database.prepare("""
            SELECT id FROM reports WHERE accession_pseudonym = ? AND \(Self.currentReport())
            ORDER BY id DESC LIMIT 1
            """)
        var found: [String: Int64] = [:]
        for pseudonym in Set(accessionPseudonyms) {
            if let id = try lookup.bind([.text(pseudonym)]).withReset({ try $0.step() ? $0.integer(0) : nil }) { found[pseudonym] = id }
        }
        return found
    }

    /// Which of `ids` are stored, current reports.
    public func currentReportIDs(among ids: [Int64]) throws -> Set<Int64> {
        let lookup = try database.prepare("SELECT 1 FROM reports WHERE id = ? AND \(Self.currentReport())")
        var found: Set<Int64> = []
        for id in Set(ids) where try lookup.bind([.integer(id)]).withReset({ try $0.step() }) { found.insert(id) }
        return found
    }

    /// Stores the answers as gold in one transaction (all or none), each with its audit record.
    /// An answer identical to the report's latest gold is not stored again. Returns (stored, unchanged).
    public func storeGold(_ answers: [GoldAnswer], task: String, version: String, provenance: LabelProvenance,
                          actor: AuditActor) throws -> (stored: Int, unchanged: Int) {
        try database.transaction {
            let latest = try latestGold(task: task, reportIDs: answers.map(\.reportID))
            var stored = 0, unchanged = 0
            for answer in answers {
                if let current = latest[answer.reportID], current.values.map(\.finding) == answer.values.map(\.finding),
                   current.values.map(\.value) == answer.values.map(\.value), current.followUp == answer.followUp {
                    unchanged += 1
                    continue
                }
                let id = try insertLabelSet(reportID: answer.reportID, task: task, labeler: Self.goldLabeler, labelerVersion: version,
                                            values: answer.values, followUp: answer.followUp, provenance: provenance,
                                            members: nil, actor: actor)
                if id == nil { unchanged += 1 } else { stored += 1 }
            }
            return (stored, unchanged)
        }
    }

    /// The latest gold answer per report for the task (every report with gold when `reportIDs` is nil).
    public func latestGold(task: String, reportIDs: [Int64]? = nil) throws -> [Int64: StoredLabelSet] {
        var latest: [Int64: StoredLabelSet] = [:]
        if let reportIDs {
            for (id, sets) in try labelSets(task: task, reportIDs: reportIDs) {
                latest[id] = sets.last { $0.labeler == Self.goldLabeler }
            }
        } else {
            for set in try labelSets(where: "s.task = ? AND s.labeler = ?", [.text(task), .text(Self.goldLabeler)]) {
                latest[set.reportID] = set
            }
        }
        return latest
    }

    /// Every label set of `task` in the store, by report, oldest first: two queries however many
    /// reports, for work that reads them all (drawing a stratified sample).
    public func labelSetsByReport(task: String) throws -> [Int64: [StoredLabelSet]] {
        Dictionary(grouping: try labelSets(where: "s.task = ?", [.text(task)]), by: \.reportID)
    }

    /// Every label set of `task` for each of the reports, oldest first.
    public func labelSets(task: String, reportIDs: [Int64]) throws -> [Int64: [StoredLabelSet]] {
        var sets: [Int64: [StoredLabelSet]] = [:]
        for id in Set(reportIDs) {
            sets[id] = try labelSets(where: "s.task = ? AND s.report_id = ?", [.text(task), .integer(id)])
        }
        return sets
    }

    /// Current reports with an answer for `task`, by id, with their accession pseudonyms: what
    /// a gold sample draws from.
    public func labelledReports(task: String) throws -> [(id: Int64, accessionPseudonym: String?)] {
        try database.prepare("""
            SELECT r.id, r.accession_pseudonym FROM reports r
            WHERE \(Self.currentReport("r"))
              AND EXISTS (SELECT 1 FROM label_sets s WHERE s.report_id = r.id AND s.task = ? AND s.labeler != ?)
            ORDER BY r.id
            """).bind([.text(task), .text(Self.goldLabeler)]).all { ($0.integer(0), $0.text(1)) }
    }
}

extension ReportStore {
    /// Whether any answer of `labeler` for `task` is stored (a labeler no longer configured still has its history).
    public func hasLabelSets(task: String, labeler: String) throws -> Bool {
        try database.prepare("SELECT 1 FROM label_sets WHERE task = ? AND labeler = ? LIMIT 1").bind([.text(task), .text(labeler)])
            .withReset { try $0.step() }
    }
}

/// What an instruction example needs of a report besides its labels.
public struct TrainingText: Sendable {
    public var reportID: Int64
    public var patientPseudonym: String?
    public var accessionPseudonym: String?
    public var text: String
    /// The report's language (migration 10), which an instruction example carries.
    public var language: ReportLanguage = .en
}

extension ReportStore {
    /// The de-identified text of each of `ids` that is a current report stored in [`since`, `until`).
    public func trainingTexts(_ ids: [Int64], since: String?, until: String?) throws -> [Int64: TrainingText] {
        let lookup = try database.prepare("""
            SELECT patient_pseudonym, accession_pseudonym, text, language FROM reports
            WHERE id = ? AND \(Self.currentReport())
              AND (?2 IS NULL OR stored_at >= ?2) AND (?3 IS NULL OR stored_at < ?3)
            """)
        var found: [Int64: TrainingText] = [:]
        for id in ids {
            found[id] = try lookup.bind([.integer(id), SQLValue(since), SQLValue(until)]).withReset { row in
                try row.step() ? TrainingText(reportID: id, patientPseudonym: row.text(0), accessionPseudonym: row.text(1),
                                              text: row.text(2) ?? "", language: try row.value(3, table: "reports", rowID: id)) : nil
            }
        }
        return found
    }
}

extension ReportStore {
    /// Current reports stored under an accession or patient pseudonym.
    public func currentReportCount(pseudonym: String, kind: String) throws -> Int {
        let column = kind == "patient" ? "patient_pseudonym" : "accession_pseudonym"
        return try database.prepare("""
            SELECT count(*) FROM reports WHERE \(column) = ? AND \(Self.currentReport())
            """).bind([.text(pseudonym)]).withReset { try $0.step() ? Int($0.integer(0)) : 0 }
    }
}
