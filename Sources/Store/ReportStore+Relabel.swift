import Foundation
import RaddCore

/// A request to label stored reports again with one labeler (a new model or prompt version),
/// and how far it has got. Its work is ordinary label jobs tagged with the run's id, so it is
/// as durable as any labelling: a restart resumes it, and a job is removed only in the
/// transaction that stores its answer.
public struct RelabelRun: Sendable, Equatable {
    public var id: Int64
    public var task: String
    public var labeler: String
    /// Reports stored at or after this time were selected; nil: every current report.
    public var since: String?
    public var requestedAt: String
    public var requestedBy: String
    /// Jobs the run queued.
    public var total: Int
    /// Jobs no longer waiting and not failed: answered (or dropped because their report was
    /// superseded meanwhile).
    public var done: Int
    public var failed: Int
    /// Set once none of its jobs is queued.
    public var finishedAt: String?

    public var queued: Int { total - done - failed }
}

extension ReportStore {
    /// Queues a job for `labeler` on every current report of `task` (stored at or after `since`,
    /// when given), as a new relabel run, audited in the same transaction. A report that already
    /// has a job queued for the labeler keeps it (it is labelled once, by the labeler as it is
    /// now) and is counted in `alreadyQueued`; a failed job is queued again for the run, unless
    /// it belongs to a run still going. Reports with a job are `stored` again until it is done.
    ///
    /// Only reports in `language`, the task's, are selected: a task never labels another
    /// language's reports.
    public func startRelabelRun(task: String, labeler: String, since: String?, language: ReportLanguage = .en,
                                actor: AuditActor) throws -> (run: RelabelRun, alreadyQueued: Int) {
        try database.transaction {
            try settleRelabelRuns()
            let now = Timestamp.string(Date())
            let requestedBy = actor.username.isEmpty ? "uid \(actor.uid)" : actor.username
            try database.prepare("""
                INSERT INTO relabel_runs (task, labeler, since, requested_at, requested_by, total) VALUES (?, ?, ?, ?, ?, 0)
                """).bind([.text(task), .text(labeler), SQLValue(since), .text(now), .text(requestedBy)]).run()
            let runID = database.lastInsertRowID
            let selected = "SELECT r.id FROM reports r WHERE \(Self.relabelSelection)"
            let selection: [SQLValue] = [SQLValue(since), .text(language.rawValue)]
            let selectedCount = try database.prepare("SELECT count(*) FROM (\(selected))").bind(selection)
                .withReset { try $0.step() ? Int($0.integer(0)) : 0 }
            try database.prepare("""
                INSERT OR IGNORE INTO label_jobs (report_id, task, labeler, not_before, created_at, relabel_run)
                SELECT r.id, ?3, ?4, ?5, ?5, ?6 FROM reports r WHERE \(Self.relabelSelection)
                """).bind(selection + [.text(task), .text(labeler), .text(now), .integer(runID)]).run()
            let inserted = database.changes
            // A failed job holds the report's place in the queue for this labeler; without this
            // a report the old model could not label could never be tried with the new one.
            try database.prepare("""
                UPDATE label_jobs SET state = 'queued', attempts = 0, last_error = NULL, not_before = ?3, relabel_run = ?4
                WHERE task = ?5 AND labeler = ?6 AND state = 'failed' AND report_id IN (\(selected))
                  AND (relabel_run IS NULL OR relabel_run IN (SELECT id FROM relabel_runs WHERE finished_at IS NOT NULL))
                """).bind(selection + [.text(now), .integer(runID), .text(task), .text(labeler)]).run()
            let retried = database.changes
            let total = inserted + retried
            if total > 0 {
                try database.prepare("UPDATE relabel_runs SET total = ? WHERE id = ?").bind([SQLValue(total), .integer(runID)]).run()
                try database.prepare("""
                    UPDATE reports SET state = 'stored'
                    WHERE state = 'labelled' AND id IN (SELECT report_id FROM label_jobs WHERE relabel_run = ?)
                    """).bind([.integer(runID)]).run()
            } else {
                try finishRelabelRunIfDone(runID, now: now)
            }
            try audit.append(event: .label, action: .create, outcome: .success, outcomeText: "relabel queued", actor: actor,
                             object: "relabel run=\(runID) task=\(task) labeler=\(labeler) since=\(since ?? "all") jobs=\(total)"
                                 + " retried_failed=\(retried) already_queued=\(selectedCount - total)")
            guard let run = try relabelRun(id: runID) else { throw StoreError.notFound }
            return (run, selectedCount - total)
        }
    }

    /// Current reports (not superseded) in language ?2, stored at or after ?1 when it is not NULL.
    static let relabelSelection = "\(ReportStore.currentReport("r")) AND (?1 IS NULL OR r.stored_at >= ?1) AND r.language = ?2"

    /// Runs not finished yet, oldest first, then the `finished` most recently finished.
    public func relabelRuns(finished: Int = 3) throws -> [RelabelRun] {
        try settleRelabelRuns()
        let going = try database.prepare("SELECT \(Self.relabelRunColumns) FROM relabel_runs WHERE finished_at IS NULL ORDER BY id")
            .all(Self.relabelRun)
        let ended = try database.prepare("""
            SELECT \(Self.relabelRunColumns) FROM relabel_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT ?
            """).bind([SQLValue(finished)]).all(Self.relabelRun)
        return try (going + ended.reversed()).map(withProgress)
    }

    public func relabelRun(id: Int64) throws -> RelabelRun? {
        try database.prepare("SELECT \(Self.relabelRunColumns) FROM relabel_runs WHERE id = ?").bind([.integer(id)])
            .all(Self.relabelRun).first.map(withProgress)
    }

    /// The run a job belongs to, if any; read before the job leaves the queue.
    func relabelRunID(of job: LabelJob) throws -> Int64? {
        try database.prepare("SELECT relabel_run FROM label_jobs WHERE \(Self.sameJob)").bind(Self.sameJobValues(job))
            .withReset { try $0.step() && !$0.isNull(0) ? $0.integer(0) : nil }
    }

    /// Finishes every run with nothing queued: jobs also leave the queue when their report is
    /// superseded, which does not pass through `commitLabels` or `failLabelJob`.
    func settleRelabelRuns() throws {
        let now = Timestamp.string(Date())
        for run in try database.prepare("SELECT id FROM relabel_runs WHERE finished_at IS NULL").all({ $0.integer(0) }) {
            try finishRelabelRunIfDone(run, now: now)
        }
    }

    /// Records the run's end once no job of it is queued, freezing its counts: a later run may
    /// take over its failed jobs.
    func finishRelabelRunIfDone(_ run: Int64, now: String = Timestamp.string(Date())) throws {
        try database.prepare("""
            UPDATE relabel_runs SET finished_at = ?2,
                failed = (SELECT count(*) FROM label_jobs WHERE relabel_run = ?1 AND state = 'failed'),
                done = total - (SELECT count(*) FROM label_jobs WHERE relabel_run = ?1 AND state = 'failed')
            WHERE id = ?1 AND finished_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM label_jobs WHERE relabel_run = ?1 AND state = 'queued')
            """).bind([.integer(run), .text(now)]).run()
    }

    static let relabelRunColumns = "id, task, labeler, since, requested_at, requested_by, total, finished_at, done, failed"

    static func relabelRun(_ row: Statement) -> RelabelRun {
        RelabelRun(id: row.integer(0), task: row.text(1) ?? "", labeler: row.text(2) ?? "", since: row.text(3),
                   requestedAt: row.text(4) ?? "", requestedBy: row.text(5) ?? "", total: Int(row.integer(6)),
                   done: row.isNull(8) ? 0 : Int(row.integer(8)), failed: row.isNull(9) ? 0 : Int(row.integer(9)),
                   finishedAt: row.text(7))
    }

    /// A run still going counts its jobs in the queue; a finished one keeps the counts frozen
    /// when it finished.
    private func withProgress(_ run: RelabelRun) throws -> RelabelRun {
        guard run.finishedAt == nil else { return run }
        var run = run
        var queued = 0
        run.failed = 0
        for (state, count) in try database.prepare("SELECT state, count(*) FROM label_jobs WHERE relabel_run = ? GROUP BY state")
            .bind([.integer(run.id)]).all({ ($0.text(0) ?? "", Int($0.integer(1))) }) {
            if state == "failed" { run.failed = count } else { queued = count }
        }
        run.done = run.total - queued - run.failed
        return run
    }
}
