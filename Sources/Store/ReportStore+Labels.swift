import Foundation
import RaddCore

/// One labeler's answer for one report and task, as stored.
public struct StoredLabelSet: Sendable, Equatable {
    public var id: Int64
    public var reportID: Int64
    public var task: String
    public var labeler: String
    public var labelerVersion: String
    /// In the task's finding order.
    public var values: [(finding: String, value: LabelValue)]
    public var followUp: [String]?
    public var provenance: LabelProvenance
    /// An ensemble's members' answers, as JSON.
    public var members: String?
    public var createdAt: String

    public static func == (lhs: StoredLabelSet, rhs: StoredLabelSet) -> Bool {
        lhs.id == rhs.id && lhs.values.map(\.finding) == rhs.values.map(\.finding) && lhs.values.map(\.value) == rhs.values.map(\.value)
            && lhs.followUp == rhs.followUp && lhs.provenance == rhs.provenance && lhs.members == rhs.members
    }
}

/// Work waiting for a labeler.
public struct LabelJob: Sendable, Equatable {
    public var id: Int64
    public var reportID: Int64
    public var task: String
    public var labeler: String
    public var attempts: Int
}

/// How much labelling work waits, per labeler.
public struct LabelQueueCounts: Sendable, Equatable, Codable {
    public var labeler: String
    public var queued: Int
    public var failed: Int
    /// The most recent reason a queued job had to wait, if any (never report text).
    public var lastError: String?
}

/// What is labelled with what: every stored report gets a job for each (task, labeler) pair whose
/// task reads the report's language.
public struct LabelPlan: Sendable, Equatable {
    public var jobs: [(task: String, labeler: String)]
    /// The language each task reads; a task not named here reads English, as every task did
    /// before languages.
    public var languages: [String: ReportLanguage]

    public init(jobs: [(task: String, labeler: String)] = [], languages: [String: ReportLanguage] = [:]) {
        self.jobs = jobs
        self.languages = languages
    }

    public func language(ofTask task: String) -> ReportLanguage { languages[task] ?? .en }

    /// The jobs a report in `language` gets.
    public func jobs(for language: ReportLanguage) -> [(task: String, labeler: String)] {
        jobs.filter { self.language(ofTask: $0.task) == language }
    }

    /// The languages some task reads.
    public var languagesRead: Set<ReportLanguage> { Set(jobs.map { language(ofTask: $0.task) }) }

    public static func == (lhs: LabelPlan, rhs: LabelPlan) -> Bool {
        lhs.jobs.map(\.task) == rhs.jobs.map(\.task) && lhs.jobs.map(\.labeler) == rhs.jobs.map(\.labeler)
            && lhs.languages == rhs.languages
    }
}

extension ReportStore {
    /// Queues the plan's jobs for a newly stored report in `language`, inside the caller's
    /// transaction. A report no task reads gets none: it is stored, and counted by language.
    func enqueueLabelJobs(reportID: Int64, language: ReportLanguage) throws {
        let jobs = labelPlan.jobs(for: language)
        guard !jobs.isEmpty else { return }
        let now = Timestamp.string(Date())
        let insert = try database.prepare("""
            INSERT OR IGNORE INTO label_jobs (report_id, task, labeler, not_before, created_at) VALUES (?, ?, ?, ?, ?)
            """)
        for job in jobs {
            try insert.bind([.integer(reportID), .text(job.task), .text(job.labeler), .text(now), .text(now)]).run()
        }
    }

    /// Queues every job of the plan that a current report lacks: reports stored before labelling
    /// was configured, or before a task or labeler was added. Returns how many were queued.
    @discardableResult
    public func enqueueMissingLabelJobs(actor: AuditActor) throws -> Int {
        guard !labelPlan.jobs.isEmpty else { return 0 }
        return try database.transaction {
            let now = Timestamp.string(Date())
            var added = 0
            for job in labelPlan.jobs {
                try database.prepare("""
                    INSERT OR IGNORE INTO label_jobs (report_id, task, labeler, not_before, created_at)
                    SELECT r.id, ?1, ?2, ?3, ?3 FROM reports r
                    WHERE \(Self.currentReport("r")) AND r.language = ?4
                      AND NOT EXISTS (SELECT 1 FROM label_sets s WHERE s.report_id = r.id AND s.task = ?1 AND s.labeler = ?2)
                    """).bind([.text(job.task), .text(job.labeler), .text(now),
                               .text(labelPlan.language(ofTask: job.task).rawValue)]).run()
                added += database.changes
            }
            if added > 0 {
                try database.prepare("UPDATE reports SET state = 'stored' WHERE state = 'labelled' AND id IN (SELECT report_id FROM label_jobs)").run()
                try audit.append(event: .label, action: .create, outcome: .success, outcomeText: "queued",
                                 actor: actor, object: "jobs=\(added)")
            }
            return added
        }
    }

    /// The oldest job for `labeler` that is due and not already being worked on. Jobs of newly
    /// stored reports come before those of relabel runs, so that a long relabel does not keep
    /// new reports waiting for the model. Within each, the lowest job id first.
    public func nextLabelJob(labeler: String, excluding busy: Set<Int64>, now: Date = Date()) throws -> LabelJob? {
        let statement = try database.prepare("""
            SELECT id, report_id, task, attempts FROM label_jobs
            WHERE labeler = ? AND state = 'queued' AND not_before <= ? ORDER BY relabel_run IS NOT NULL, id LIMIT ?
            """)
        let candidates = try statement.bind([.text(labeler), .text(Timestamp.string(now)), SQLValue(busy.count + 1)]).all { row in
            LabelJob(id: row.integer(0), reportID: row.integer(1), task: row.text(2) ?? "", labeler: labeler,
                     attempts: Int(row.integer(3)))
        }
        return candidates.first { !busy.contains($0.id) }
    }

    /// Whether the job is still waiting to be done. A worker checks this after claiming a job it
    /// found before another worker finished that job.
    public func isQueued(_ job: LabelJob) throws -> Bool {
        try database.prepare("SELECT 1 FROM label_jobs WHERE \(Self.sameJob) AND state = 'queued'").bind(Self.sameJobValues(job))
            .withReset { try $0.step() }
    }

    /// Matches a job by all it is, not by id alone: SQLite hands a deleted row's id to the next
    /// insert, so a job held by a worker after it was done could otherwise name a newer one.
    static let sameJob = "id = ? AND report_id = ? AND task = ? AND labeler = ?"

    static func sameJobValues(_ job: LabelJob) -> [SQLValue] {
        [.integer(job.id), .integer(job.reportID), .text(job.task), .text(job.labeler)]
    }

    /// The de-identified text a labeler reads.
    public func textForLabeling(reportID: Int64) throws -> String? {
        try database.prepare("SELECT text FROM reports WHERE id = ?").bind([.integer(reportID)])
            .withReset { try $0.step() ? $0.text(0) : nil }
    }

    /// Stores a labeler's answer, removes its job and audits it, in one transaction. The report
    /// is `labelled` once no job for it is left. Storing the same answer twice changes nothing.
    public func commitLabels(job: LabelJob, labelerVersion: String, values: [(finding: String, value: LabelValue)],
                             followUp: [String]?, provenance: LabelProvenance, members: String?, actor: AuditActor) throws {
        try database.transaction {
            let relabelRun = try relabelRunID(of: job)
            try insertLabelSet(reportID: job.reportID, task: job.task, labeler: job.labeler, labelerVersion: labelerVersion,
                               values: values, followUp: followUp, provenance: provenance, members: members, actor: actor,
                               auditNote: relabelRun.map { " relabel_run=\($0)" } ?? "")
            try database.prepare("DELETE FROM label_jobs WHERE \(Self.sameJob)").bind(Self.sameJobValues(job)).run()
            try database.prepare("""
                UPDATE reports SET state = 'labelled'
                WHERE id = ? AND state = 'stored' AND NOT EXISTS (SELECT 1 FROM label_jobs WHERE report_id = ?1)
                """).bind([.integer(job.reportID)]).run()
            if let relabelRun { try finishRelabelRunIfDone(relabelRun) }
        }
    }

    /// Stores one answer with its values and audit record, inside the caller's transaction.
    /// Returns the new set's id, or nil when this labeler version's answer was already stored.
    @discardableResult
    func insertLabelSet(reportID: Int64, task: String, labeler: String, labelerVersion: String,
                        values: [(finding: String, value: LabelValue)], followUp: [String]?, provenance: LabelProvenance,
                        members: String?, actor: AuditActor, auditNote: String = "") throws -> Int64? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let provenanceJSON = String(decoding: try encoder.encode(provenance), as: UTF8.self)
        let followUpJSON = try followUp.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let now = Timestamp.string(Date())
        try database.prepare("""
            INSERT OR IGNORE INTO label_sets (report_id, task, labeler, labeler_version, provenance, follow_up, members, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).bind([.integer(reportID), .text(task), .text(labeler), .text(labelerVersion),
                       .text(provenanceJSON), SQLValue(followUpJSON), SQLValue(members), .text(now)]).run()
        guard database.changes == 1 else { return nil }
        let setID = database.lastInsertRowID
        let insert = try database.prepare("""
            INSERT INTO labels (report_id, finding, value, labeler, model, labeler_version, created_at, label_set_id, task)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (finding, value) in values {
            try insert.bind([.integer(reportID), .text(finding), .text(value.rawValue), .text(labeler),
                             SQLValue(provenance.model), .text(labelerVersion), .text(now), .integer(setID), .text(task)]).run()
        }
        try audit.append(event: .label, action: .create, outcome: .success, actor: actor,
                         object: "report=\(reportID) task=\(task) labeler=\(labeler) label_set=\(setID)" + auditNote)
        return setID
    }

    /// A job that must wait (no model server answered): tried again at `notBefore`.
    public func postponeLabelJob(_ job: LabelJob, reason: String, notBefore: Date) throws {
        try database.prepare("UPDATE label_jobs SET attempts = attempts + 1, last_error = ?, not_before = ? WHERE \(Self.sameJob)")
            .bind([.text(reason), .text(Timestamp.string(notBefore))] + Self.sameJobValues(job)).run()
    }

    /// Makes the labeler's put-off jobs due now (its server answers again). Returns how many.
    @discardableResult
    public func resumeLabelJobs(labeler: String, now: Date = Date()) throws -> Int {
        try database.prepare("UPDATE label_jobs SET not_before = ? WHERE labeler = ? AND state = 'queued' AND not_before > ?1")
            .bind([.text(Timestamp.string(now)), .text(labeler)]).run()
        return database.changes
    }

    /// A job the labeler cannot do (the model answered twice against the schema): kept as a
    /// recorded failure for that report and labeler, audited, never guessed.
    public func failLabelJob(_ job: LabelJob, reason: String, actor: AuditActor) throws {
        try database.transaction {
            try database.prepare("UPDATE label_jobs SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE \(Self.sameJob)")
                .bind([.text(reason)] + Self.sameJobValues(job)).run()
            if let relabelRun = try relabelRunID(of: job) { try finishRelabelRunIfDone(relabelRun) }
            try audit.append(event: .label, action: .create, outcome: .minorFailure, outcomeText: reason, actor: actor,
                             object: "report=\(job.reportID) task=\(job.task) labeler=\(job.labeler)")
        }
    }

    public func labelQueueCounts() throws -> [LabelQueueCounts] {
        var byLabeler: [String: LabelQueueCounts] = [:]
        for (labeler, state, count) in try database.prepare("SELECT labeler, state, count(*) FROM label_jobs GROUP BY labeler, state")
            .all({ ($0.text(0) ?? "", $0.text(1) ?? "", Int($0.integer(2))) }) {
            var counts = byLabeler[labeler] ?? LabelQueueCounts(labeler: labeler, queued: 0, failed: 0)
            if state == "failed" { counts.failed = count } else { counts.queued = count }
            byLabeler[labeler] = counts
        }
        // SQLite takes a bare column from the row that gives max(): the latest error.
        for (labeler, error) in try database.prepare("""
            SELECT labeler, last_error, max(id) FROM label_jobs WHERE state = 'queued' AND last_error IS NOT NULL
            GROUP BY labeler
            """).all({ ($0.text(0) ?? "", $0.text(1)) }) {
            byLabeler[labeler]?.lastError = error
        }
        return byLabeler.values.sorted { $0.labeler < $1.labeler }
    }

    /// Every labeler's answers for a report, oldest first.
    public func labelSets(reportID: Int64) throws -> [StoredLabelSet] {
        try labelSets(where: "s.report_id = ?", [.integer(reportID)])
    }

    static let labelSetColumns = "s.id, s.report_id, s.task, s.labeler, s.labeler_version, s.provenance, s.follow_up, s.members, s.created_at"

    /// The label sets `condition` selects (on `label_sets s`), by id, with their values: two
    /// queries however many sets, so that a page of reports costs no more than one report.
    func labelSets(where condition: String, _ values: [SQLValue]) throws -> [StoredLabelSet] {
        let decoder = JSONDecoder()
        var sets = try database.prepare("SELECT \(Self.labelSetColumns) FROM label_sets s WHERE \(condition) ORDER BY s.id")
            .bind(values).all { row -> StoredLabelSet in
                let provenance = (try? decoder.decode(LabelProvenance.self, from: Data((row.text(5) ?? "").utf8)))
                    ?? LabelProvenance(labeler: row.text(3) ?? "", version: row.text(4) ?? "")
                let followUp = row.text(6).flatMap { try? decoder.decode([String].self, from: Data($0.utf8)) }
                return StoredLabelSet(id: row.integer(0), reportID: row.integer(1), task: row.text(2) ?? "", labeler: row.text(3) ?? "",
                                      labelerVersion: row.text(4) ?? "", values: [], followUp: followUp, provenance: provenance,
                                      members: row.text(7), createdAt: row.text(8) ?? "")
            }
        guard !sets.isEmpty else { return [] }
        var index: [Int64: Int] = [:]
        for (position, set) in sets.enumerated() { index[set.id] = position }
        for (setID, finding, value) in try database.prepare("""
            SELECT l.label_set_id, l.finding, l.value FROM labels l
            WHERE l.label_set_id IN (SELECT s.id FROM label_sets s WHERE \(condition)) ORDER BY l.id
            """).bind(values).all({ ($0.integer(0), $0.text(1) ?? "", LabelValue(rawValue: $0.text(2) ?? "") ?? .undefined) }) {
            if let position = index[setID] { sets[position].values.append((finding, value)) }
        }
        return sets
    }

    /// A report's labelling jobs that are waiting or failed.
    public func labelJobs(reportID: Int64) throws -> [(task: String, labeler: String, state: String, lastError: String?)] {
        try database.prepare("SELECT task, labeler, state, last_error FROM label_jobs WHERE report_id = ? ORDER BY id")
            .bind([.integer(reportID)]).all { ($0.text(0) ?? "", $0.text(1) ?? "", $0.text(2) ?? "", $0.text(3)) }
    }
}

extension ReportStore {
    /// A page of reports that have answers for `task`, each with its label sets for that task
    /// (the latest per labeler), by report id.
    public func labelSets(task: String, afterReportID: Int64, limit: Int) throws -> [(reportID: Int64, sets: [StoredLabelSet])] {
        let ids = try database.prepare("""
            SELECT DISTINCT report_id FROM label_sets WHERE task = ? AND report_id > ? ORDER BY report_id LIMIT ?
            """).bind([.text(task), .integer(afterReportID), SQLValue(limit)]).all { $0.integer(0) }
        guard let first = ids.first, let last = ids.last else { return [] }
        var latest: [Int64: [String: StoredLabelSet]] = [:]
        for set in try labelSets(where: "s.task = ? AND s.report_id BETWEEN ? AND ?", [.text(task), .integer(first), .integer(last)]) {
            latest[set.reportID, default: [:]][set.labeler] = set
        }
        return ids.map { id in (id, (latest[id] ?? [:]).values.sorted { $0.labeler > $1.labeler }) }
    }
}

extension ReportStore {
    /// Current (not superseded) reports, and how many of them have, for `task`, an answer from
    /// every labeler of at least one of `needs` (`LabelDecisions.finalLabelNeeds`).
    public func finalLabelCounts(task: String, language: ReportLanguage = .en,
                                 needs: [[String]]) throws -> (current: Int, withFinalLabel: Int) {
        // Only reports in the task's language are the task's to label.
        let current = try database.prepare("SELECT count(*) FROM reports r WHERE \(Self.currentReport("r")) AND r.language = ?")
            .bind([.text(language.rawValue)]).withReset { try $0.step() ? Int($0.integer(0)) : 0 }
        let groups = needs.filter { !$0.isEmpty }
        guard !groups.isEmpty else { return (current, 0) }
        let answered = "EXISTS (SELECT 1 FROM label_sets s WHERE s.report_id = r.id AND s.task = ? AND s.labeler = ?)"
        let condition = groups.map { "(" + Array(repeating: answered, count: $0.count).joined(separator: " AND ") + ")" }
            .joined(separator: " OR ")
        let values: [SQLValue] = groups.flatMap { $0.flatMap { [SQLValue.text(task), .text($0)] } }
        let withFinal = try database.prepare("""
            SELECT count(*) FROM reports r WHERE \(Self.currentReport("r")) AND r.language = ? AND (\(condition))
            """).bind([.text(language.rawValue)] + values).withReset { try $0.step() ? Int($0.integer(0)) : 0 }
        return (current, withFinal)
    }
}
