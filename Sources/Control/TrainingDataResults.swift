import Foundation
import RaddCore

// Results of the training-data methods: instruction exports, pseudonyms, gold worksheets and
// their import, evaluation against gold, review decisions and relabel runs.

/// One filled worksheet row, as raddctl read it; `line` is the row's line in the worksheet, so
/// that a refusal can name it.
public struct GoldRow: Codable, Sendable, Equatable {
    public var line: Int
    public var reportID: Int64?
    public var accessionPseudonym: String?
    /// Finding (or follow-up column) name → cell, in worksheet conventions.
    public var values: [String: String]

    public init(line: Int, reportID: Int64?, accessionPseudonym: String?, values: [String: String]) {
        self.line = line
        self.reportID = reportID
        self.accessionPseudonym = accessionPseudonym
        self.values = values
    }
}

/// A page of instruction-tuning pairs. `group` is the key the train/validation split uses: the
/// patient pseudonym, or the report's own key when the report names no patient.
public struct InstructPage: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var reportID: Int64
        public var group: String
        /// One JSON line: {"messages": [system, user, assistant]}.
        public var line: String
        /// The report's language (`en`, `de`); absent from daemons older than languages, whose
        /// reports were all English. Kept out of `line`, whose format trainers read strictly.
        public var language: String?

        public init(reportID: Int64, group: String, line: String, language: String? = nil) {
            self.reportID = reportID
            self.group = group
            self.line = line
            self.language = language
        }
    }

    public var rows: [Row]
    public var next: Int64?

    public init(rows: [Row], next: Int64?) {
        self.rows = rows
        self.next = next
    }
}

public struct PseudonymResult: Codable, Sendable, Equatable {
    public var kind: String
    public var pseudonym: String
    /// Current reports stored under it.
    public var storedReports: Int?

    public init(kind: String, pseudonym: String) {
        self.kind = kind
        self.pseudonym = pseudonym
    }
}

/// A gold worksheet's rows: report id, accession pseudonym, the stratum it was drawn from and
/// the de-identified text; the finding columns are left for the radiologist.
public struct GoldSampleResult: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var reportID: Int64
        public var accessionPseudonym: String?
        public var stratum: String
        public var text: String

        public init(reportID: Int64, accessionPseudonym: String?, stratum: String, text: String) {
            self.reportID = reportID
            self.accessionPseudonym = accessionPseudonym
            self.stratum = stratum
            self.text = text
        }
    }

    public var task: String
    /// The finding columns to fill, in the task's order (then a binary task's follow-up).
    public var columns: [String]
    /// Reports available per stratum, and how many were drawn from each.
    public var strata: [String: Int]
    public var drawn: [String: Int]
    public var rows: [Row]

    public init(task: String, columns: [String], strata: [String: Int], drawn: [String: Int], rows: [Row]) {
        self.task = task
        self.columns = columns
        self.strata = strata
        self.drawn = drawn
        self.rows = rows
    }
}

public struct GoldImportResult: Codable, Sendable, Equatable {
    /// New gold answers stored.
    public var imported: Int
    /// Rows identical to the report's latest gold answer: nothing stored.
    public var unchanged: Int
    /// Rows with every finding cell blank: not yet reviewed, so not gold.
    public var skipped: Int
    /// Rows checked.
    public var checked: Int

    public init(imported: Int, unchanged: Int, skipped: Int, checked: Int) {
        self.imported = imported
        self.unchanged = unchanged
        self.skipped = skipped
        self.checked = checked
    }
}

/// An evaluation inside raddd: `json` is the same object offline `raddctl eval --json` prints,
/// `text` the same table it prints without --json.
public struct EvaluationResult: Codable, Sendable, Equatable {
    public var text: String
    public var json: String
    public var reports: Int

    public init(text: String, json: String, reports: Int) {
        self.text = text
        self.json = json
        self.reports = reports
    }
}

public struct ReviewShowResult: Codable, Sendable, Equatable {
    public var reportID: Int64
    public var task: String
    public var kind: String
    public var findings: [String]
    public var text: String
    public var accessionPseudonym: String?
    /// Each labeler the daemon runs now, with its latest answer.
    public var answers: [LabelSetResult]
    public var final: FinalLabelResult?
    /// The latest gold answer, if the report has one.
    public var gold: LabelSetResult?
    public var disagreements: [String]
    public var undecided: [String]

    public init(reportID: Int64, task: String, kind: String, findings: [String], text: String, accessionPseudonym: String?,
                answers: [LabelSetResult], final: FinalLabelResult?, gold: LabelSetResult?, disagreements: [String], undecided: [String]) {
        self.reportID = reportID
        self.task = task
        self.kind = kind
        self.findings = findings
        self.text = text
        self.accessionPseudonym = accessionPseudonym
        self.answers = answers
        self.final = final
        self.gold = gold
        self.disagreements = disagreements
        self.undecided = undecided
    }
}

public struct ReviewResolveResult: Codable, Sendable, Equatable {
    public var reportID: Int64
    public var gold: LabelSetResult

    public init(reportID: Int64, gold: LabelSetResult) {
        self.reportID = reportID
        self.gold = gold
    }
}

/// A relabel run: how many jobs it queued, how many are done (answered, or dropped because
/// their report was superseded) or failed; the rest are still waiting.
public struct RelabelProgress: Codable, Sendable, Equatable {
    public var run: Int64
    public var task: String
    public var labeler: String
    /// Reports stored at or after this UTC time were selected; absent: every current report.
    public var since: String?
    public var requestedAt: String
    public var requestedBy: String
    public var total: Int
    public var done: Int
    public var failed: Int
    /// Set once none of the run's jobs is waiting.
    public var finishedAt: String?

    public init(run: Int64, task: String, labeler: String, since: String?, requestedAt: String, requestedBy: String, total: Int,
                done: Int, failed: Int, finishedAt: String?) {
        self.run = run
        self.task = task
        self.labeler = labeler
        self.since = since
        self.requestedAt = requestedAt
        self.requestedBy = requestedBy
        self.total = total
        self.done = done
        self.failed = failed
        self.finishedAt = finishedAt
    }
}

public struct RelabelResult: Codable, Sendable, Equatable {
    public var run: RelabelProgress
    /// Selected reports that already had a job waiting for this labeler, or failed in a run
    /// still going: they keep that job and are not part of this run (each is labelled once).
    public var alreadyQueued: Int

    public init(run: RelabelProgress, alreadyQueued: Int) {
        self.run = run
        self.alreadyQueued = alreadyQueued
    }
}
