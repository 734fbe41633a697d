import Control
import Foundation
import Ingest
import Labeling
import Logging
import RaddCore
import Store

/// Answers control requests from the store. Each answer is read in the same transaction as the
/// audit record that says who read it; if that record cannot be written, nothing is answered.
final class ControlRequestHandler: ControlHandler, @unchecked Sendable {
    let store: ReportStore
    let context: StatusContext
    let logger = Logger(label: "control")
    static let maxPageSize = 1000

    /// What `status` reports besides the store's counts.
    struct StatusContext: Sendable {
        var startedAt: Date
        var cipherVersion: String
        var deidMethod: String
        var folders: [DropFolderSettings]
        var queueDepth: @Sendable () -> Int
        var labeling: LabelingService
        var live: LiveSettings
        var checkpoints: AuditCheckpoints
        var reloader: ConfigurationReloader
    }

    /// What quarantine.retry and quarantine.purge act on.
    struct Files: Sendable {
        var dropFolders: [DropFolder]
        var quarantine: QuarantineFolder
    }

    private let files: Files

    init(store: ReportStore, context: StatusContext, files: Files) {
        self.store = store
        self.context = context
        self.files = files
    }

    func handle(_ request: ControlRequest, method: ControlMethod, from caller: ControlCaller) throws -> any Encodable {
        let peer = caller
        let actor = Self.actor(caller)
        do {
            switch method {
            case .status:
                return try store.audited(event: .query, action: .read, actor: actor, object: "status") { try status() }
            case .reports:
                let params = request.params ?? .init()
                if let state = params.state, ReportState(rawValue: state) == nil {
                    throw try refusal(ControlError(.badRequest, "unknown state; known states: \(ReportState.allCases.map(\.rawValue).joined(separator: ", "))"),
                                      from: peer, method: method)
                }
                let limit = min(max(params.limit ?? 100, 1), Self.maxPageSize)
                let object = "reports state=\(params.state ?? "*") limit=\(limit) after=\(params.after ?? 0)"
                return try store.audited(event: .query, action: .read, actor: actor, object: object) {
                    let rows = try store.reports(state: params.state, limit: limit + 1, afterID: params.after ?? 0)
                    let page = rows.prefix(limit).map(Self.summary)
                    return ReportsResult(reports: Array(page), next: rows.count > limit ? page.last?.id : nil)
                }
            case .report:
                guard let id = request.params?.id else {
                    throw try refusal(ControlError(.badRequest, "method 'report' needs params.id, the report's number"),
                                      from: peer, method: method)
                }
                return try store.audited(event: .query, action: .read, actor: actor, object: "report=\(id)") {
                    guard let report = try store.report(id: id) else { throw StoreError.notFound }
                    let labels = try store.labels(reportID: id).map {
                        LabelResult(finding: $0.finding, value: $0.value, labeler: $0.labeler, model: $0.model,
                                    labelerVersion: $0.labelerVersion, createdAt: $0.createdAt)
                    }
                    let sets = try store.labelSets(reportID: id)
                    let pending = try store.labelJobs(reportID: id).map {
                        PendingLabelJob(task: $0.task, labeler: $0.labeler, state: $0.state, lastError: $0.lastError)
                    }
                    return ReportResult(report: Self.summary(report), text: report.text ?? "",
                                        sections: Self.sections(report.sections),
                                        phiReplaced: try store.phiSpanCounts(reportID: id), labels: labels,
                                        labelSets: sets.map { Self.labelSet($0, kind: context.labeling.task(named: $0.task)?.kind) }, finalLabels: finalLabels(sets), pendingLabels: pending)
                }
            case .labels, .review:
                let params = request.params ?? .init()
                let task = try requestedTask(params, from: peer, method: method)
                let limit = min(max(params.limit ?? 100, 1), Self.maxPageSize)
                let object = "\(method.rawValue) task=\(task.name) limit=\(limit) after=\(params.after ?? 0)"
                return try store.audited(event: .query, action: .read, actor: actor, object: object) { () -> any Encodable in
                    method == .labels ? try labelsPage(task, limit: limit, after: params.after ?? 0)
                        : try reviewPage(task, limit: limit, after: params.after ?? 0)
                }
            case .quarantineList:
                let params = request.params ?? .init()
                let state: QuarantineEntry.State?
                switch params.state {
                case nil: state = .held
                case "all": state = nil
                case let name?:
                    guard let known = QuarantineEntry.State(rawValue: name) else {
                        throw try refusal(ControlError(.badRequest, "unknown state; known states: held, retried, purged, all"),
                                          from: peer, method: method)
                    }
                    state = known
                }
                let limit = min(max(params.limit ?? 100, 1), Self.maxPageSize)
                let object = "quarantine state=\(state?.rawValue ?? "all") limit=\(limit)"
                return try store.audited(event: .query, action: .read, actor: actor, object: object) {
                    let rows = try store.quarantined(state: state, limit: limit + 1, afterClaim: params.claim)
                    let page = rows.prefix(limit).map(Self.quarantinedFile)
                    return QuarantineListResult(files: Array(page), next: rows.count > limit ? page.last?.claim : nil)
                }
            case .quarantineRetry, .quarantinePurge:
                let params = request.params ?? .init()
                guard (params.claim != nil) != (params.all == true) else {
                    throw try refusal(ControlError(.badRequest, "give either params.claim (one file's claim id) or params.all = true"),
                                      from: peer, method: method)
                }
                return try release(params.claim, as: method == .quarantineRetry ? .retried : .purged, actor: actor)
            case .auditList, .auditExport:
                let params = request.params ?? .init()
                let filter = try auditFilter(params, from: peer, method: method)
                let limit = min(max(params.limit ?? 100, 1), Self.maxPageSize)
                let object = Self.auditObject(method, params, limit: limit)
                return try store.audited(event: method == .auditExport ? .export : .auditLogUsed, action: .read, actor: actor,
                                         object: object) { () -> AuditPage in
                    let rows = try store.audit.records(after: params.after ?? 0, limit: limit + 1, filter: filter)
                    let page = Array(rows.prefix(limit))
                    return AuditPage(records: page, next: rows.count > limit ? page.last?.seq : nil)
                }
            case .reload:
                do {
                    let outcome = try context.reloader.reload(actor: actor)
                    return ReloadResult(accessPolicy: outcome.source, roles: outcome.policy.summary, applied: outcome.applied,
                                        needRestart: outcome.needRestart)
                } catch let failure as ConfigurationReloader.Failure {
                    throw ControlError(.badRequest, failure.description)
                }
            case .exportLabels:
                let params = request.params ?? .init()
                let task = try requestedTask(params, from: peer, method: method)
                let labeler = params.labeler ?? "final"
                let bounds = try timeBounds(params, from: peer, method: method)
                let format = params.format ?? "csv"
                guard format == "csv" || format == "jsonl" else {
                    throw try refusal(ControlError(.badRequest, "format must be csv or jsonl"), from: peer, method: method)
                }
                let limit = min(max(params.limit ?? 1000, 1), Self.maxExportPage)
                return try exportPage(task, labeler: labeler, format: format, since: bounds.since, until: bounds.until,
                                      after: params.after ?? 0, limit: limit, actor: actor)
            case .keyRotate:
                guard let hex = request.params?.key, let key = try? DatabaseKey(hex: hex) else {
                    throw try refusal(ControlError(.badRequest, "key.rotate needs params.key, the new key as 64 hex digits"), from: peer, method: method)
                }
                return try rotateKey(to: key, actor: actor)
            case .auditVerify:
                var extra: [AuditCheckpoint] = []
                for text in request.params?.checkpoints ?? [] {
                    guard let checkpoint = AuditCheckpoints.parse(argument: text) else {
                        throw try refusal(ControlError(.badRequest, "a checkpoint is SEQ:HASH (a record number and its 64-digit SHA-256), not '\(text.prefix(80))'"),
                                          from: peer, method: method)
                    }
                    extra.append(checkpoint)
                }
                let object = "audit verify checkpoints=\(extra.count)"
                return try store.audited(event: .auditLogUsed, action: .execute, actor: actor, object: object) {
                    let own = try context.checkpoints.all()
                    var found = try store.audit.verify(checkpoints: own + extra)
                    if !found.intact {
                        logger.critical("the audit log failed verification", metadata: ["firstBadSeq": "\(found.firstBadSeq ?? 0)"])
                    }
                    found.checkpointFile = context.checkpoints.path
                    return found
                }
            case .goldSample: return try goldSample(request.params ?? .init(), from: peer, actor: actor)
            case .goldImport: return try goldImport(request.params ?? .init(), from: peer, actor: actor)
            case .evaluate: return try evaluate(request.params ?? .init(), from: peer, actor: actor)
            case .reviewShow: return try reviewShow(request.params ?? .init(), from: peer, actor: actor)
            case .reviewResolve: return try reviewResolve(request.params ?? .init(), from: peer, actor: actor)
            case .exportInstruct: return try exportInstruct(request.params ?? .init(), from: peer, actor: actor)
            case .pseudonym: return try pseudonym(request.params ?? .init(), from: peer, actor: actor)
            case .relabel:
                return try relabel(request.params ?? .init(), caller: peer)
                throw try refusal(ControlError(.unavailable, "\(method.rawValue) is not available in this build"), from: peer, method: method)
            }
        } catch StoreError.notFound {
            if let claim = request.params?.claim, method.changesState {
                throw ControlError(.notFound, "no quarantined file with claim \(claim) (raddctl quarantine list shows them)")
            }
            throw ControlError(.notFound, "no report with id \(request.params?.id.map(String.init) ?? "?")")
        } catch let error as ControlError {
            throw error
        } catch {
            logger.error("control request failed", metadata: ["method": "\(method.rawValue)", "error": "\(error)"])
            throw ControlError(.internalError, "the request failed and was not answered (its audit record or read could not be completed); see raddd's log")
        }
    }

    static func actor(_ caller: ControlCaller) -> AuditActor {
        AuditActor(uid: caller.peer.uid, username: caller.peer.username, pid: caller.peer.pid, role: caller.roleText)
    }

    func refused(_ caller: ControlCaller, error: ControlError, method: String?) throws {
        let peer = caller.peer
        let actor = Self.actor(caller)
        let outcome: AuditOutcome = error.code == .permissionDenied ? .denied : .minorFailure
        let event: AuditEvent = error.code == .permissionDenied ? .securityAlert : .query
        logger.notice("control request refused", metadata: ["uid": "\(peer.uid)", "pid": "\(peer.pid)", "code": "\(error.code.rawValue)"])
        try store.database.transaction {
            try store.audit.append(event: event, action: .execute, outcome: outcome, outcomeText: error.code.rawValue,
                                   actor: actor, object: method.map { "method=\($0.prefix(64))" })
        }
    }

    /// Audits a request refused for its parameters and returns the error to send.
    func refusal(_ error: ControlError, from peer: ControlCaller, method: ControlMethod) throws -> ControlError {
        try refused(peer, error: error, method: method.rawValue)
        return error
    }

    // MARK: - Key rotation

    /// Re-encrypts the database under `key`. The intent is audited first (nothing happens if it
    /// cannot be), then the outcome. SQLCipher re-keys every page in one transaction, so a
    /// failure or a crash leaves the old key valid.
    private func rotateKey(to key: DatabaseKey, actor: AuditActor) throws -> KeyRotateResult {
        let object = "database=\((store.database.path as NSString).lastPathComponent)"
        try store.database.transaction {
            try store.audit.append(event: .keyRotation, action: .update, outcome: .success, outcomeText: "started", actor: actor, object: object)
        }
        let started = Date()
        do {
            try store.database.rekey(to: key)
        } catch {
            logger.error("re-keying the database failed; the old key still opens it", metadata: ["error": "\(error)"])
            try? store.database.transaction {
                try store.audit.append(event: .keyRotation, action: .update, outcome: .seriousFailure,
                                       outcomeText: "failed; the old key still opens the database", actor: actor, object: object)
            }
            throw ControlError(.unavailable, "re-keying the database failed, and the old key still opens it: \(error)")
        }
        let seconds = Date().timeIntervalSince(started)
        logger.notice("database re-keyed", metadata: ["seconds": "\(String(format: "%.1f", seconds))"])
        do {
            try store.database.transaction {
                try store.audit.append(event: .keyRotation, action: .update, outcome: .success, outcomeText: "done", actor: actor, object: object)
            }
        } catch {
            // The key has changed: the caller must still learn it, or the database is lost to them.
            logger.error("the database was re-keyed but its completion audit record could not be written", metadata: ["error": "\(error)"])
        }
        return KeyRotateResult(rotatedAt: Timestamp.string(Date()), seconds: seconds)
    }

    /// `since` and `until` as stored times: ISO 8601 UTC, a date alone meaning its midnight.
    func timeBounds(_ params: ControlRequest.Params, from caller: ControlCaller,
                    method: ControlMethod) throws -> (since: String?, until: String?) {
        var bounds: [String?] = []
        for (name, value) in [("since", params.since), ("until", params.until)] {
            guard let value else { bounds.append(nil); continue }
            guard let bound = Timestamp.normalizedBound(value) else {
                throw try refusal(ControlError(.badRequest, "\(name) '\(value.prefix(40))' is not a UTC time like 2026-11-24 or 2026-11-24T08:30:00Z"),
                                  from: caller, method: method)
            }
            bounds.append(bound)
        }
        return (bounds[0], bounds[1])
    }

    // MARK: - Audit log

    /// The filters, checked: times are ISO 8601 (a date alone means its midnight UTC), a user is
    /// a name or a uid, types and outcome must be known.
    private func auditFilter(_ params: ControlRequest.Params, from caller: ControlCaller, method: ControlMethod) throws -> AuditLog.Filter {
        var filter = AuditLog.Filter()
        (filter.since, filter.until) = try timeBounds(params, from: caller, method: method)
        if let user = params.user {
            if let uid = UInt32(user) { filter.uid = uid } else { filter.username = user }
        }
        let known = AuditEvent.allCases.map(\.rawValue)
        for type in params.types ?? [] where !known.contains(type) {
            throw try refusal(ControlError(.badRequest, "unknown audit event type '\(type.prefix(40))'; known: \(known.joined(separator: ", "))"),
                              from: caller, method: method)
        }
        filter.events = params.types ?? []
        if let outcome = params.outcome {
            guard AuditOutcome(rawValue: outcome) != nil else {
                throw try refusal(ControlError(.badRequest, "unknown outcome '\(outcome.prefix(40))'; known: \(AuditOutcome.allCases.map(\.rawValue).joined(separator: ", "))"),
                                  from: caller, method: method)
            }
            filter.outcome = outcome
        }
        return filter
    }

    /// The query as the audit record keeps it: parameters only, cut short.
    static func auditObject(_ method: ControlMethod, _ params: ControlRequest.Params, limit: Int) -> String {
        var parts = [method == .auditExport ? "audit export" : "audit list", "limit=\(limit)", "after=\(params.after ?? 0)"]
        if let since = params.since { parts.append("since=\(since.prefix(40))") }
        if let until = params.until { parts.append("until=\(until.prefix(40))") }
        if let user = params.user { parts.append("user=\(user.prefix(40))") }
        if let types = params.types, !types.isEmpty { parts.append("types=\(types.joined(separator: ",").prefix(200))") }
        if let outcome = params.outcome { parts.append("outcome=\(outcome.prefix(20))") }
        return parts.joined(separator: " ")
    }

    /// Each file is released in a transaction of its own with its audit record, so one file that
    /// cannot be moved does not hold back the others; failures are listed, not hidden.
    private func release(_ claim: String?, as state: QuarantineEntry.State, actor: AuditActor) throws -> QuarantineActionResult {
        let claims: [String]
        if let claim {
            guard try store.quarantineEntry(claimID: claim) != nil else { throw StoreError.notFound }
            claims = [claim]
        } else {
            claims = try store.quarantined(state: .held, limit: Int.max).map(\.claimID)
        }
        var result = QuarantineActionResult(done: [], failed: [])
        for claim in claims {
            do {
                var droppedAs: String?
                try store.release(claimID: claim, as: state, actor: actor) { entry in
                    guard let fileName = entry.fileName else {
                        throw ControlError(.unavailable, "no file name is on record for this quarantined file")
                    }
                    if state == .purged {
                        try files.quarantine.purge(named: fileName)
                    } else {
                        guard let folder = files.dropFolders.first(where: { $0.name == entry.folder }) else {
                            throw ControlError(.unavailable, "its drop folder '\(entry.folder)' is no longer configured")
                        }
                        droppedAs = try files.quarantine.returnFile(named: fileName, originalName: entry.sourceName, to: folder)
                    }
                }
                result.done.append(.init(claim: claim, state: state.rawValue, droppedAs: droppedAs))
            } catch {
                let message = (error as? ControlError)?.message ?? "\(error)"
                result.failed.append(.init(claim: claim, message: message))
                try store.database.transaction {
                    try store.audit.append(event: .quarantine, action: state == .purged ? .delete : .update,
                                           outcome: .minorFailure, outcomeText: message, actor: actor, object: "claim=\(claim)")
                }
            }
        }
        if claim != nil, let failure = result.failed.first {
            throw ControlError(.unavailable, "claim \(failure.claim): \(failure.message)")
        }
        return result
    }

    private func status() throws -> StatusResult {
        let labeling = context.labeling
        var result = StatusResult(
            version: RaddVersion.string, protocolVersion: ControlProtocol.version, pid: getpid(),
            startedAt: Timestamp.string(context.startedAt),
            uptimeSeconds: Int(Date().timeIntervalSince(context.startedAt)),
            schemaVersion: try store.schemaVersion(), cipherVersion: context.cipherVersion,
            queueDepth: context.queueDepth(), reportsByState: try store.countsByState(),
            deidMethod: context.deidMethod, dropDirectory: context.folders.first?.path ?? "",
            folders: context.folders.map {
                FolderStatus(name: $0.name, path: $0.path, format: $0.formatDescription, archive: $0.archiveDirectory)
            })
        result.labeling = LabelingStatus(
            tasks: labeling.tasks.map(\.name), policy: context.live.labelPolicy.rawValue,
            queues: try store.labelQueueCounts().map {
                LabelingStatus.Queue(labeler: $0.labeler, queued: $0.queued, failed: $0.failed, lastError: $0.lastError)
            },
            endpoints: labeling.endpointStates.map {
                LabelingStatus.ModelEndpoint(endpoint: $0.endpoint, model: $0.model, circuit: $0.circuit,
                                             inFlight: $0.inFlight, lastError: $0.lastError)
            })
        result.labeling?.relabels = try relabelProgress()
        return result
    }

    // MARK: - Labels

    static func labelSet(_ set: StoredLabelSet, kind: LabelTask.Kind?) -> LabelSetResult {
        LabelSetResult(task: set.task, labeler: set.labeler, labelerVersion: set.labelerVersion,
                       labels: set.values.map { FindingValue(finding: $0.finding, value: $0.value.rawValue) },
                       followUp: set.followUp, provenance: set.provenance, createdAt: set.createdAt, kind: kind?.rawValue)
    }

    /// A stored label set as the task's answer: values in the task's finding order.
    static func answer(_ set: StoredLabelSet, task: LabelTask) -> TaskAnswer {
        let byFinding = Dictionary(set.values.map { ($0.finding, $0.value) }, uniquingKeysWith: { $1 })
        return TaskAnswer(values: task.findings.map { byFinding[$0.name] ?? .undefined }, followUp: set.followUp,
                          provenance: set.provenance)
    }

    /// Each labeler's answer by its name; a later set of the same labeler wins.
    static func answers(_ sets: [StoredLabelSet], task: LabelTask) -> [String: TaskAnswer] {
        var answers: [String: TaskAnswer] = [:]
        for set in sets { answers[set.labeler] = answer(set, task: task) }
        return answers
    }

    /// The answer `policy` makes final, weighing the LLM labelers configured now. A request reads
    /// the live policy once, so all its rows follow the same one.
    func finalAnswer(_ task: LabelTask, _ answers: [String: TaskAnswer], under policy: LabelPolicy) -> (answer: TaskAnswer, source: String)? {
        policy.finalAnswer(task: task, answers: answers, llmLabelers: context.labeling.llmLabelers)
    }

    /// Per task the daemon labels, the final label under the label policy (latest set per labeler).
    func finalLabels(_ sets: [StoredLabelSet]) -> [FinalLabelResult] {
        let policy = context.live.labelPolicy
        return context.labeling.tasks.compactMap { task in
            let answers = Self.answers(sets.filter { $0.task == task.name }, task: task)
            guard let (final, source) = finalAnswer(task, answers, under: policy) else { return nil }
            return FinalLabelResult(task: task.name, source: source,
                                    labels: zip(task.findings, final.values).map { FindingValue(finding: $0.name, value: $1.rawValue) },
                                    followUp: final.followUp, kind: task.kind.rawValue)
        }
    }

    private func labelsPage(_ task: LabelTask, limit: Int, after: Int64) throws -> LabelsResult {
        let page = try store.labelSets(task: task.name, afterReportID: after, limit: limit + 1)
        let policy = context.live.labelPolicy
        var rows: [LabelRow] = []
        for (reportID, sets) in page.prefix(limit) {
            let answers = Self.answers(sets, task: task)
            guard let (final, source) = finalAnswer(task, answers, under: policy) else { continue }
            rows.append(LabelRow(reportID: reportID, source: source, cells: task.cells(for: final)))
        }
        return LabelsResult(task: task.name, columns: task.columns, rows: rows,
                            next: page.count > limit ? page.prefix(limit).last?.reportID : nil)
    }

    private func reviewPage(_ task: LabelTask, limit: Int, after: Int64) throws -> ReviewResult {
        var items: [ReviewItem] = []
        var cursor = after
        var exhausted = false
        // Only the labelers configured now: an answer from a model since removed is history.
        let configured = Set(["rules"] + context.labeling.llmLabelers)
        // Scan pages of labelled reports until a page of items is full.
        while items.count < limit && !exhausted {
            let page = try store.labelSets(task: task.name, afterReportID: cursor, limit: Self.maxPageSize)
            exhausted = page.count < Self.maxPageSize
            for (reportID, sets) in page {
                cursor = reportID
                // A report with gold has been decided by a person: it leaves the list.
                guard !sets.contains(where: { $0.labeler == ReportStore.goldLabeler }) else { continue }
                let answers = Self.answers(sets, task: task).filter { configured.contains($0.key) }
                let (disagreements, undecided) = reviewFindings(task, answers)
                var shown: [String: [String: String]] = [:]
                for (index, finding) in task.findings.enumerated()
                where disagreements.contains(finding.name) || undecided.contains(finding.name) {
                    shown[finding.name] = answers.mapValues { $0.values[index].labelFileCell(for: task.kind) }
                }
                if !disagreements.isEmpty || !undecided.isEmpty {
                    items.append(ReviewItem(reportID: reportID, disagreements: disagreements, undecided: undecided, answers: shown))
                    if items.count == limit { break }
                }
            }
        }
        return ReviewResult(task: task.name, items: items, next: items.count == limit ? items.last?.reportID : nil)
    }

    static func summary(_ report: StoredReport) -> ReportSummary {
        var summary = ReportSummary(id: report.id, state: report.state, sourceName: report.sourceName, format: report.format,
                                    byteCount: report.byteCount, receivedAt: report.receivedAt, storedAt: report.storedAt,
                                    deidMethod: report.deidMethod)
        summary.status = report.status
        summary.folder = report.folder
        summary.accessionPseudonym = report.accessionPseudonym
        summary.patientPseudonym = report.patientPseudonym
        summary.examCode = report.examCode
        summary.examDescription = report.examDescription
        summary.modality = report.modality
        summary.observedAt = report.observedAt
        summary.reportedAt = report.reportedAt
        summary.supersededBy = report.supersededBy
        return summary
    }

    static func sections(_ sections: ReportSections?) -> [String: String] {
        guard let sections else { return [:] }
        let named: [(String, String?)] = [("indication", sections.indication), ("comparison", sections.comparison),
                                          ("findings", sections.findings), ("impression", sections.impression)]
        return Dictionary(uniqueKeysWithValues: named.compactMap { name, text in text.map { (name, $0) } })
    }

    static func quarantinedFile(_ entry: QuarantineEntry) -> QuarantinedFile {
        QuarantinedFile(claim: entry.claimID, folder: entry.folder, sourceName: entry.sourceName, fileName: entry.fileName,
                        reason: entry.reason, quarantinedAt: entry.quarantinedAt, state: entry.state.rawValue,
                        releasedAt: entry.releasedAt)
    }
}
