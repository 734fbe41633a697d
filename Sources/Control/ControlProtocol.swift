import Foundation
import RaddCore

/// Wire format of the control socket: one JSON object per line in each direction. See
/// Docs/control-protocol.md. `v` is the protocol version; a server answers a request of a version
/// it does not speak with `unsupported_version` and the versions it does speak.
public enum ControlProtocol {
    public static let version = 1
    /// Longest request line accepted; a client sending more is cut off.
    public static let maxRequestBytes = 64 * 1024
}

public enum ControlMethod: String, Codable, Sendable, CaseIterable {
    case status
    case reports
    case report
    case quarantineList = "quarantine.list"
    case quarantineRetry = "quarantine.retry"
    case quarantinePurge = "quarantine.purge"
    /// Final labels of one task, a page of reports at a time.
    case labels
    /// Reports whose labelers disagree, or whose final label is uncertain or Undefined.
    case review
    /// A page of audit records, filtered.
    case auditList = "audit.list"
    /// Walks the audit chain and checks it against the checkpoints.
    case auditVerify = "audit.verify"
    /// A page of audit records for export (audited as an export of the log).
    case auditExport = "audit.export"
    /// Re-reads the access policy (audited as a configuration change).
    case reload
    /// Re-encrypts the database under a new key (audited as a key rotation).
    case keyRotate = "key.rotate"
    /// A page of label rows for export: pseudonyms, shifted exam date, findings, provenance.
    case exportLabels = "export.labels"
    /// A page of instruction-tuning pairs (OpenAI chat format) from one labeler's answers.
    case exportInstruct = "export.instruct"
    /// The keyed pseudonym of one accession number or patient id (never audited with the value).
    case pseudonym
    /// A stratified random sample of labelled reports, as a gold worksheet for radiologists.
    case goldSample = "gold.sample"
    /// Stores radiologists' answers from a filled worksheet as gold label sets.
    case goldImport = "gold.import"
    /// Scores a labeler's stored answers against the stored gold.
    case evaluate = "eval"
    /// One review item: the report's text, each labeler's answer, the final label and any gold.
    case reviewShow = "review.show"
    /// Records a reviewer's answer for a report as gold.
    case reviewResolve = "review.resolve"
    /// Queues a labeler to run again over stored reports (a new model or prompt version).
    case relabel
    /// An online, encrypted copy of the database.
    case backup
    /// Erases a patient's reports and everything derived from them.
    case purge
    /// raddd's metrics in the Prometheus text format.
    case metrics

    /// Methods that change files or records; the others only read.
    public var changesState: Bool {
        [.quarantineRetry, .quarantinePurge, .reload, .keyRotate, .goldImport, .reviewResolve, .relabel, .backup, .purge].contains(self)
    }
}

public enum ControlErrorCode: String, Codable, Sendable {
    case badRequest = "bad_request"
    case unsupportedVersion = "unsupported_version"
    case unknownMethod = "unknown_method"
    case permissionDenied = "permission_denied"
    case notFound = "not_found"
    case unavailable
    case internalError = "internal"
}

public struct ControlError: Codable, Sendable, Equatable, Error {
    public var code: ControlErrorCode
    public var message: String

    public init(_ code: ControlErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// A response carries exactly one of `result` or `error`.
public struct ControlResponse<Result: Codable & Sendable>: Codable, Sendable {
    public var v: Int
    public var id: Int
    public var ok: Bool
    public var result: Result?
    public var error: ControlError?

    public init(id: Int, result: Result) {
        v = ControlProtocol.version
        self.id = id
        ok = true
        self.result = result
        error = nil
    }

    public init(id: Int, error: ControlError) {
        v = ControlProtocol.version
        self.id = id
        ok = false
        result = nil
        self.error = error
    }
}

extension ControlResponse {
    /// The response as it goes on the wire: sorted keys, one line (without its newline).
    public func line() -> Data {
        // Every result is plain data; should one ever fail to encode, the client still gets an answer.
        (try? JSONEncoder.controlProtocol.encode(self))
            ?? ControlResponse<NoParams>.errorLine(id: id, ControlError(.internalError, "the answer could not be encoded; see raddd's log"))
    }

    public static func errorLine(id: Int, _ error: ControlError) -> Data {
        // An error is a code and a message: it always encodes.
        (try? JSONEncoder.controlProtocol.encode(ControlResponse<NoParams>(id: id, error: error))) ?? Data()
    }
}

// MARK: - Results

public struct StatusResult: Codable, Sendable, Equatable {
    public var version: String
    public var protocolVersion: Int
    public var pid: Int32
    public var startedAt: String
    public var uptimeSeconds: Int
    public var schemaVersion: Int
    public var cipherVersion: String
    public var queueDepth: Int
    public var reportsByState: [String: Int]
    public var deidMethod: String
    /// The `drop` folder's path, as in protocol v1's first release; `folders` lists them all.
    public var dropDirectory: String
    public var folders: [FolderStatus]
    /// Absent from daemons older than labelling.
    public var labeling: LabelingStatus?
    /// Current reports per language that has any, with the tasks that read it; absent from
    /// daemons older than languages.
    public var languages: [LanguageCount]?

    public init(version: String, protocolVersion: Int, pid: Int32, startedAt: String, uptimeSeconds: Int,
                schemaVersion: Int, cipherVersion: String, queueDepth: Int, reportsByState: [String: Int],
                deidMethod: String, dropDirectory: String, folders: [FolderStatus]) {
        self.version = version
        self.protocolVersion = protocolVersion
        self.pid = pid
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.schemaVersion = schemaVersion
        self.cipherVersion = cipherVersion
        self.queueDepth = queueDepth
        self.reportsByState = reportsByState
        self.deidMethod = deidMethod
        self.dropDirectory = dropDirectory
        self.folders = folders
    }
}

public struct LabelingStatus: Codable, Sendable, Equatable {
    public struct Queue: Codable, Sendable, Equatable {
        public var labeler: String
        public var queued: Int
        public var failed: Int
        /// Why the latest waiting job had to wait (a server's error, never report text).
        public var lastError: String?

        public init(labeler: String, queued: Int, failed: Int, lastError: String?) {
            self.labeler = labeler
            self.queued = queued
            self.failed = failed
            self.lastError = lastError
        }
    }

    public struct ModelEndpoint: Codable, Sendable, Equatable {
        public var endpoint: String
        public var model: String?
        /// closed (answering), open until TIME (failing; not asked), or half-open (one probe).
        public var circuit: String
        public var inFlight: Int
        public var lastError: String?

        public init(endpoint: String, model: String?, circuit: String, inFlight: Int, lastError: String?) {
            self.endpoint = endpoint
            self.model = model
            self.circuit = circuit
            self.inFlight = inFlight
            self.lastError = lastError
        }
    }

    public var tasks: [String]
    /// How a report's final label is chosen (auto, llm-else-rules, rules, llm, ensemble).
    public var policy: String
    public var queues: [Queue]
    public var endpoints: [ModelEndpoint]
    /// Relabel runs still working, and the last ones finished (absent from older daemons).
    public var relabels: [RelabelProgress]?
    /// Per task, how many current reports have their final label under the policy (absent
    /// from older daemons).
    public var finalLabels: [TaskLabelCount]?
    /// Per task and finding, which labeler decides the final label and why (absent from older daemons).
    public var deciders: [FindingDecision]?

    public struct TaskLabelCount: Codable, Sendable, Equatable {
        public var task: String
        /// Reports not superseded by a later version.
        public var reports: Int
        /// Of those, the ones whose final label exists now (`raddctl labels` lists them).
        public var labelled: Int

        public init(task: String, reports: Int, labelled: Int) {
            self.task = task
            self.reports = reports
            self.labelled = labelled
        }
    }

    public init(tasks: [String], policy: String, queues: [Queue], endpoints: [ModelEndpoint]) {
        self.tasks = tasks
        self.policy = policy
        self.queues = queues
        self.endpoints = endpoints
    }
}

/// Who decides one finding's final label under the label policy, and the evidence.
public struct FindingDecision: Codable, Sendable, Equatable {
    public struct Score: Codable, Sendable, Equatable {
        public var labeler: String
        public var f1: Double?
        /// The F1 95% bootstrap interval over the compared gold reports.
        public var lower: Double?
        public var upper: Double?

        public init(labeler: String, f1: Double?, lower: Double?, upper: Double?) {
            self.labeler = labeler
            self.f1 = f1
            self.lower = lower
            self.upper = upper
        }
    }

    public var task: String
    public var finding: String
    /// rules, llm, llm:MODEL, llm vote or ensemble, as the `source` column names them.
    public var decider: String
    /// One line: the gold F1 and interval, or why there is none yet, or the policy.
    public var why: String
    /// `gold`, `no-gold`, `too-little-gold`, `no-phrases`, `no-models`, or `policy` (an explicit policy).
    public var basis: String
    /// Gold reports of the task, and of those the ones both candidates answered.
    public var goldReports: Int
    public var comparedReports: Int
    /// Gold positives of the finding among the compared reports.
    public var goldPositives: Int
    /// The rule labeler's and the models' F1 on the compared reports.
    public var scores: [Score]

    public init(task: String, finding: String, decider: String, why: String, basis: String, goldReports: Int,
                comparedReports: Int, goldPositives: Int, scores: [Score]) {
        self.task = task
        self.finding = finding
        self.decider = decider
        self.why = why
        self.basis = basis
        self.goldReports = goldReports
        self.comparedReports = comparedReports
        self.goldPositives = goldPositives
        self.scores = scores
    }
}

/// One finding's value in a label set: positive, negative, uncertain or undefined.
public struct FindingValue: Codable, Sendable, Equatable {
    public var finding: String
    public var value: String
    /// In a final label: the labeler whose answer this finding's value is.
    public var decidedBy: String?

    public init(finding: String, value: String, decidedBy: String? = nil) {
        self.finding = finding
        self.value = value
        self.decidedBy = decidedBy
    }
}

/// One labeler's answer for a report and task.
public struct LabelSetResult: Codable, Sendable, Equatable {
    public var task: String
    public var labeler: String
    public var labelerVersion: String
    public var labels: [FindingValue]
    /// A binary task's follow-up answer after a Yes; empty is Undefined.
    public var followUp: [String]?
    public var provenance: LabelProvenance
    public var createdAt: String
    /// The task's kind, `multilabel`, `binary` (Yes/No/Undefined) or `extraction`; nil when the
    /// task is no longer configured.
    public var kind: String?
    /// An extraction task's phrases, each "text" or "text [CODE]" (its `labels` are empty).
    public var phrases: [String]?

    public init(task: String, labeler: String, labelerVersion: String, labels: [FindingValue], followUp: [String]?,
                provenance: LabelProvenance, createdAt: String, kind: String? = nil, phrases: [String]? = nil) {
        self.kind = kind
        self.phrases = phrases
        self.task = task
        self.labeler = labeler
        self.labelerVersion = labelerVersion
        self.labels = labels
        self.followUp = followUp
        self.provenance = provenance
        self.createdAt = createdAt
    }
}

/// A report's final label for a task, chosen by the label policy.
public struct FinalLabelResult: Codable, Sendable, Equatable {
    public var task: String
    /// Which labeler's answer it is (rules, llm) or "ensemble".
    public var source: String
    public var labels: [FindingValue]
    public var followUp: [String]?
    /// The task's kind, `multilabel` or `binary` (Yes/No/Undefined).
    public var kind: String?

    /// An extraction task's phrases, each "text" or "text [CODE]".
    public var phrases: [String]?

    public init(task: String, source: String, labels: [FindingValue], followUp: [String]?, kind: String? = nil, phrases: [String]? = nil) {
        self.phrases = phrases
        self.kind = kind
        self.task = task
        self.source = source
        self.labels = labels
        self.followUp = followUp
    }
}

/// Labelling work still waiting for a report, or failed.
public struct PendingLabelJob: Codable, Sendable, Equatable {
    public var task: String
    public var labeler: String
    /// queued or failed.
    public var state: String
    public var lastError: String?

    public init(task: String, labeler: String, state: String, lastError: String?) {
        self.task = task
        self.labeler = labeler
        self.state = state
        self.lastError = lastError
    }
}

/// One report's row in `labels`: cells in the task's column order (1.0 / 0.0 / -1.0 / blank,
/// or Yes / No / Undefined and the follow-up).
public struct LabelRow: Codable, Sendable, Equatable {
    public var reportID: Int64
    public var source: String
    public var cells: [String]

    public init(reportID: Int64, source: String, cells: [String]) {
        self.reportID = reportID
        self.source = source
        self.cells = cells
    }
}

public struct LabelsResult: Codable, Sendable, Equatable {
    public var task: String
    public var columns: [String]
    public var rows: [LabelRow]
    public var next: Int64?
    /// With `explain`: per finding, who decides and why.
    public var explanation: [FindingDecision]?

    public init(task: String, columns: [String], rows: [LabelRow], next: Int64?) {
        self.task = task
        self.columns = columns
        self.rows = rows
        self.next = next
    }
}

/// A report worth a person's look: where its labelers disagree, and which findings are
/// uncertain or Undefined in its final label.
public struct ReviewItem: Codable, Sendable, Equatable {
    public var reportID: Int64
    public var disagreements: [String]
    public var undecided: [String]
    /// Each labeler's value for the findings listed, as "labeler=value" pairs per finding.
    public var answers: [String: [String: String]]

    public init(reportID: Int64, disagreements: [String], undecided: [String], answers: [String: [String: String]]) {
        self.reportID = reportID
        self.disagreements = disagreements
        self.undecided = undecided
        self.answers = answers
    }
}

public struct ReviewResult: Codable, Sendable, Equatable {
    public var task: String
    public var items: [ReviewItem]
    public var next: Int64?

    public init(task: String, items: [ReviewItem], next: Int64?) {
        self.task = task
        self.items = items
        self.next = next
    }
}

/// How many current reports are in one language, and which configured tasks label them. A
/// language no task reads is stored and counted, never labelled by another language's task.
public struct LanguageCount: Codable, Sendable, Equatable {
    /// `en`, `de`.
    public var language: String
    public var reports: Int
    /// The configured tasks whose `language` it is; empty: no task reads it.
    public var tasks: [String]

    public init(language: String, reports: Int, tasks: [String]) {
        self.language = language
        self.reports = reports
        self.tasks = tasks
    }
}

public struct FolderStatus: Codable, Sendable, Equatable {
    public var name: String
    public var path: String
    public var format: String
    /// Where committed originals are moved; absent when they are deleted.
    public var archive: String?
    /// The folder's `language`: `en`, `de` or `auto (detected per report)`; absent from daemons
    /// older than languages (whose folders were all English).
    public var language: String?

    public init(name: String, path: String, format: String, archive: String?, language: String? = nil) {
        self.name = name
        self.path = path
        self.format = format
        self.archive = archive
        self.language = language
    }
}

public struct ReportSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var state: String
    /// preliminary, final or corrected, as the source said.
    public var status: String?
    public var folder: String?
    /// Keyed HMAC-SHA256 pseudonyms; the source's own ids are never stored.
    public var accessionPseudonym: String?
    public var patientPseudonym: String?
    public var examCode: String?
    public var examDescription: String?
    public var modality: String?
    public var observedAt: String?
    public var reportedAt: String?
    /// The report that replaced this one, when `state` is superseded.
    public var supersededBy: Int64?
    public var sourceName: String
    public var format: String
    public var byteCount: Int64
    public var receivedAt: String
    public var storedAt: String
    public var deidMethod: String
    /// The report's language (`en`, `de`); absent from daemons older than languages, whose
    /// reports were all English.
    public var language: String?

    public init(id: Int64, state: String, sourceName: String, format: String, byteCount: Int64,
                receivedAt: String, storedAt: String, deidMethod: String) {
        self.id = id
        self.state = state
        self.sourceName = sourceName
        self.format = format
        self.byteCount = byteCount
        self.receivedAt = receivedAt
        self.storedAt = storedAt
        self.deidMethod = deidMethod
    }
}

public struct ReportsResult: Codable, Sendable, Equatable {
    public var reports: [ReportSummary]
    /// Pass as `after` to fetch the next page; absent on the last page.
    public var next: Int64?

    public init(reports: [ReportSummary], next: Int64?) {
        self.reports = reports
        self.next = next
    }
}

public struct LabelResult: Codable, Sendable, Equatable {
    public var finding: String
    public var value: String
    public var labeler: String
    public var model: String?
    public var labelerVersion: String
    public var createdAt: String

    public init(finding: String, value: String, labeler: String, model: String?, labelerVersion: String, createdAt: String) {
        self.finding = finding
        self.value = value
        self.labeler = labeler
        self.model = model
        self.labelerVersion = labelerVersion
        self.createdAt = createdAt
    }
}

public struct ReportResult: Codable, Sendable, Equatable {
    public var report: ReportSummary
    /// The stored text: de-identified by the method named in `report.deidMethod`.
    public var text: String
    /// The parts of `text` under recognised headings; absent parts are omitted.
    public var sections: [String: String]
    /// How many PHI spans of each category de-identification replaced (name, date, ...).
    public var phiReplaced: [String: Int]
    /// Every stored label row, each labeler's and version's (as in protocol v1's first release).
    public var labels: [LabelResult]
    /// Each labeler's answer per task, with provenance.
    public var labelSets: [LabelSetResult]?
    /// The final label per task, chosen by the daemon's label policy.
    public var finalLabels: [FinalLabelResult]?
    /// Labelling still waiting, or failed.
    public var pendingLabels: [PendingLabelJob]?

    public init(report: ReportSummary, text: String, sections: [String: String], phiReplaced: [String: Int],
                labels: [LabelResult], labelSets: [LabelSetResult]? = nil, finalLabels: [FinalLabelResult]? = nil,
                pendingLabels: [PendingLabelJob]? = nil) {
        self.report = report
        self.text = text
        self.sections = sections
        self.phiReplaced = phiReplaced
        self.labels = labels
        self.labelSets = labelSets
        self.finalLabels = finalLabels
        self.pendingLabels = pendingLabels
    }
}

public struct QuarantinedFile: Codable, Sendable, Equatable {
    public var claim: String
    public var folder: String
    public var sourceName: String
    /// Its name in the quarantine folder, beside `<fileName>.reason`.
    public var fileName: String?
    public var reason: String
    public var quarantinedAt: String
    /// held, retried or purged.
    public var state: String
    public var releasedAt: String?

    public init(claim: String, folder: String, sourceName: String, fileName: String?, reason: String,
                quarantinedAt: String, state: String, releasedAt: String?) {
        self.claim = claim
        self.folder = folder
        self.sourceName = sourceName
        self.fileName = fileName
        self.reason = reason
        self.quarantinedAt = quarantinedAt
        self.state = state
        self.releasedAt = releasedAt
    }
}

public struct QuarantineListResult: Codable, Sendable, Equatable {
    public var files: [QuarantinedFile]
    /// Pass as `claim` to fetch the next page; absent on the last page.
    public var next: String?

    public init(files: [QuarantinedFile], next: String?) {
        self.files = files
        self.next = next
    }
}

/// What quarantine.retry or quarantine.purge did, one entry per file.
public struct QuarantineActionResult: Codable, Sendable, Equatable {
    public struct Done: Codable, Sendable, Equatable {
        public var claim: String
        /// retried or purged.
        public var state: String
        /// For a retried file: its name back in its drop folder.
        public var droppedAs: String?

        public init(claim: String, state: String, droppedAs: String?) {
            self.claim = claim
            self.state = state
            self.droppedAs = droppedAs
        }
    }

    public struct Failed: Codable, Sendable, Equatable {
        public var claim: String
        public var message: String

        public init(claim: String, message: String) {
            self.claim = claim
            self.message = message
        }
    }

    public var done: [Done]
    public var failed: [Failed]

    public init(done: [Done], failed: [Failed]) {
        self.done = done
        self.failed = failed
    }
}

/// Only `v`, `id`, `ok` and `error` of a response, for reading the envelope before the result type is known.
struct ResponseEnvelope: Codable {
    var v: Int
    var id: Int
    var ok: Bool
    var error: ControlError?
}

extension JSONEncoder {
    static var controlProtocol: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

public struct AuditPage: Codable, Sendable, Equatable {
    public var records: [AuditRecord]
    /// Pass as `after` for the next page; absent on the last page.
    public var next: Int64?

    public init(records: [AuditRecord], next: Int64?) {
        self.records = records
        self.next = next
    }
}

public struct ReloadResult: Codable, Sendable, Equatable {
    /// The access policy file read, or "built-in".
    public var accessPolicy: String
    /// Each role and its groups, as now in force.
    public var roles: String
    /// The settings now in force from the reread configuration (`access_policy`, `label_policy`).
    public var applied: [String]
    /// Settings that differ from the running ones but are read only at start.
    public var needRestart: [String]

    public init(accessPolicy: String, roles: String, applied: [String], needRestart: [String]) {
        self.accessPolicy = accessPolicy
        self.roles = roles
        self.applied = applied
        self.needRestart = needRestart
    }
}

public struct KeyRotateResult: Codable, Sendable, Equatable {
    /// When the database was re-encrypted.
    public var rotatedAt: String
    /// Seconds the re-encryption took.
    public var seconds: Double

    public init(rotatedAt: String, seconds: Double) {
        self.rotatedAt = rotatedAt
        self.seconds = seconds
    }
}

/// A page of an export, already written in the requested format: a page is one string on the
/// wire rather than a cell per value, which is what makes an export fast.
public struct ExportPage: Codable, Sendable, Equatable {
    public var columns: [String]
    /// The rows, one line each (CSV without the header, or JSON objects).
    public var text: String
    public var rowCount: Int
    /// Pass as `after` for the next page; absent on the last page.
    public var next: Int64?

    public init(columns: [String], text: String, rowCount: Int, next: Int64?) {
        self.columns = columns
        self.text = text
        self.rowCount = rowCount
        self.next = next
    }
}

/// Rows as JSON objects, one per line, keys in column order: `numeric` columns as numbers (null
/// when empty), the others as strings (null when empty).
public enum JSONLine {
    public static func object(columns: [String], cells: [String], numeric: Set<String>) -> String {
        var line = "{"
        for (index, (column, cell)) in zip(columns, cells).enumerated() {
            if index > 0 { line += "," }
            line += JSONText.quoted(column) + ":"
            if cell.isEmpty {
                line += "null"
            } else if numeric.contains(column), let number = Double(cell) {
                line += number == number.rounded() && abs(number) < 1e15 ? String(format: "%.1f", number) : String(number)
            } else {
                line += JSONText.quoted(cell)
            }
        }
        return line + "}"
    }
}
