import Foundation
import RaddCore

extension ReportStore {
    /// A page of current reports (not superseded) with answers for `task`, stored in
    /// [`since`, `until`), each with its label sets for the task; for exports.
    public func exportPage(task: String, since: String?, until: String?, afterReportID: Int64,
                           limit: Int) throws -> [(report: StoredReport, sets: [StoredLabelSet])] {
        let reports = try database.prepare("""
            SELECT \(Self.summaryColumns) FROM reports r
            WHERE r.id > ? AND r.superseded_by IS NULL AND r.state != 'superseded'
              AND (?2 IS NULL OR r.stored_at >= ?2) AND (?3 IS NULL OR r.stored_at < ?3)
              AND EXISTS (SELECT 1 FROM label_sets s WHERE s.report_id = r.id AND s.task = ?4)
            ORDER BY r.id LIMIT ?5
            """).bind([.integer(afterReportID), SQLValue(since), SQLValue(until), .text(task), SQLValue(limit)]).all(Self.storedReport)
        guard let first = reports.first, let last = reports.last else { return [] }
        var sets: [Int64: [StoredLabelSet]] = [:]
        for set in try labelSets(where: "s.task = ? AND s.report_id BETWEEN ? AND ?", [.text(task), .integer(first.id), .integer(last.id)]) {
            sets[set.reportID, default: []].append(set)
        }
        return reports.map { ($0, sets[$0.id] ?? []) }
    }
}
