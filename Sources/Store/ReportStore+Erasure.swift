import Foundation
import RaddCore

/// Deleting reports for good: a patient's on request (erasure), or those older than the
/// retention period. Everything derived from a report goes with it in one transaction: its
/// labels and label sets, gold, jobs, PHI spans and the records of the files it came from.
/// Audit records stay (they hold no PHI, and the chain must still verify); the erasure is one
/// more record. `secure_delete` (set on every connection) zeroes the freed content, and the WAL
/// is truncated afterwards, so the text is gone from the files, not just unlinked from the b-tree.
extension ReportStore {
    /// Erases every report whose patient id has this pseudonym, with its audit record.
    public func erasePatient(pseudonym: String, actor: AuditActor) throws -> ErasureCounts {
        let counts = try database.transaction {
            let counts = try erase(where: "patient_pseudonym = ?", [.text(pseudonym)])
            try audit.append(event: .erasure, action: .delete, outcome: .success, actor: actor,
                             object: "patient=\(pseudonym) \(counts.summary)")
            return counts
        }
        truncateWAL()
        return counts
    }

    /// Erases reports stored before `cutoff`; audited (as `retention`) only when one was found.
    public func eraseReports(storedBefore cutoff: Date, retentionDays: Int, actor: AuditActor) throws -> ErasureCounts {
        let before = Timestamp.string(cutoff)
        let counts = try database.transaction {
            let counts = try erase(where: "stored_at < ?", [.text(before)])
            if counts.reports > 0 {
                try audit.append(event: .retention, action: .delete, outcome: .success, actor: actor,
                                 object: "retention_days=\(retentionDays) stored_before=\(before) \(counts.summary)")
            }
            return counts
        }
        if counts.reports > 0 { truncateWAL() }
        return counts
    }

    /// Deletes the matching reports and what derives from them, in the caller's transaction.
    private func erase(where condition: String, _ values: [SQLValue]) throws -> ErasureCounts {
        var counts = ErasureCounts()
        let rows = try database.prepare("SELECT id, claim_id FROM reports WHERE \(condition)").bind(values)
            .all { ($0.integer(0), $0.text(1) ?? "") }
        guard !rows.isEmpty else { return counts }
        try database.execute("CREATE TEMP TABLE IF NOT EXISTS erased_reports (id INTEGER PRIMARY KEY)")
        try database.execute("CREATE TEMP TABLE IF NOT EXISTS erased_files (claim_id TEXT PRIMARY KEY)")
        try database.execute("DELETE FROM erased_reports; DELETE FROM erased_files")
        let addReport = try database.prepare("INSERT INTO erased_reports (id) VALUES (?)")
        let addFile = try database.prepare("INSERT OR IGNORE INTO erased_files (claim_id) VALUES (?)")
        for (id, claim) in rows {
            try addReport.bind([.integer(id)]).run()
            // A file's reports are claimed as `<file claim>#<part>`; the file's record is the part before '#'.
            try addFile.bind([.text(String(claim.split(separator: "#", maxSplits: 1).first ?? ""))]).run()
        }
        func delete(_ sql: String) throws -> Int {
            try database.execute(sql)
            return database.changes
        }
        let inErased = "report_id IN (SELECT id FROM erased_reports)"
        counts.labels = try delete("DELETE FROM labels WHERE \(inErased) OR label_set_id IN (SELECT id FROM label_sets WHERE \(inErased))")
        counts.goldSets = try delete("DELETE FROM label_sets WHERE \(inErased) AND labeler = '\(Self.goldLabeler)'")
        counts.labelSets = try delete("DELETE FROM label_sets WHERE \(inErased)")
        counts.labelJobs = try delete("DELETE FROM label_jobs WHERE \(inErased)")
        counts.phiSpans = try delete("DELETE FROM phi_spans WHERE \(inErased)")
        // A later version of another patient's report cannot point at an erased one (the
        // accession would have to be shared), but a reference must never block the erasure.
        try database.execute("UPDATE reports SET superseded_by = NULL WHERE superseded_by IN (SELECT id FROM erased_reports)")
        counts.reports = try delete("DELETE FROM reports WHERE id IN (SELECT id FROM erased_reports)")
        // The file records hold the file's name and content hash; a later copy of the same file
        // was recorded as a duplicate of it.
        counts.files = try delete("""
            DELETE FROM files WHERE claim_id IN (SELECT claim_id FROM erased_files)
                OR duplicate_of IN (SELECT claim_id FROM erased_files)
            """)
        try database.execute("DELETE FROM erased_reports; DELETE FROM erased_files")
        return counts
    }

    /// Moves every committed page into the main file and cuts the WAL to zero bytes, so that
    /// the old page images holding erased text are gone from it. A reader (a backup being
    /// copied) can hold the checkpoint back; it is tried again, and the next one finishes it.
    @discardableResult
    public func truncateWAL() -> Bool {
        for attempt in 0..<20 {
            if let result = try? database.prepare("PRAGMA wal_checkpoint(TRUNCATE)").withReset({ try $0.step() ? $0.integer(0) : 1 }),
               result == 0 {
                return true
            }
            if attempt < 19 { usleep(100_000) }
        }
        return false
    }
}
