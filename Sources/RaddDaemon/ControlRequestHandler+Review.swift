import Control
import Foundation
import Labeling
import RaddCore
import Store

// Review: one report at a time, with each labeler's answer, and the reviewer's decision stored
// as gold (which takes the report off the review list).
extension ControlRequestHandler {
    func reviewShow(_ params: ControlRequest.Params, from caller: ControlCaller, actor: AuditActor) throws -> ReviewShowResult {
        let method = ControlMethod.reviewShow
        let task = try requestedTask(params, from: caller, method: method)
        guard let id = params.id else {
            throw try refusal(ControlError(.badRequest, "review.show needs params.id, the report's number"), from: caller, method: method)
        }
        return try store.audited(event: .query, action: .read, actor: actor, object: "review show report=\(id) task=\(task.name)") {
            guard let report = try store.report(id: id) else { throw StoreError.notFound }
            let sets = try store.labelSets(reportID: id).filter { $0.task == task.name }
            let configured = Set(["rules"] + context.labeling.llmLabelers)
            var latest: [String: StoredLabelSet] = [:]
            for set in sets { latest[set.labeler] = set }
            let answers = Self.answers(sets, task: task).filter { configured.contains($0.key) }
            let (disagreements, undecided) = reviewFindings(task, answers)
            return ReviewShowResult(
                reportID: id, task: task.name, kind: task.kind.rawValue, findings: task.findings.map(\.name), text: report.text ?? "",
                accessionPseudonym: report.accessionPseudonym,
                answers: latest.values.filter { configured.contains($0.labeler) }.sorted { $0.labeler < $1.labeler }
                    .map { Self.labelSet($0, kind: task.kind) },
                final: finalLabels(sets).first { $0.task == task.name },
                gold: latest[ReportStore.goldLabeler].map { Self.labelSet($0, kind: task.kind) },
                disagreements: disagreements, undecided: undecided)
        }
    }

    /// The findings on which the labelers disagree, and those whose final answer is uncertain
    /// (or Undefined, for a binary task).
    func reviewFindings(_ task: LabelTask, _ answers: [String: TaskAnswer]) -> (disagreements: [String], undecided: [String]) {
        guard let (final, _) = finalAnswer(task, answers, under: context.live.labelPolicy) else { return ([], []) }
        var disagreements: [String] = [], undecided: [String] = []
        for (index, finding) in task.findings.enumerated() {
            let votes = answers.mapValues { EnsembleLabeler.normalized($0.values[index], kind: task.kind) }
            if Set(votes.values).count > 1 { disagreements.append(finding.name) }
            if final.values[index] == .uncertain || (task.kind == .binary && final.values[index] == .undefined) {
                undecided.append(finding.name)
            }
        }
        return (disagreements, undecided)
    }

    /// Stores the reviewer's answer as gold: the answer of `accept` (the final label unless it
    /// names a labeler) with the findings the reviewer set, audited with the report and task.
    func reviewResolve(_ params: ControlRequest.Params, from caller: ControlCaller, actor: AuditActor) throws -> ReviewResolveResult {
        let method = ControlMethod.reviewResolve
        let task = try requestedTask(params, from: caller, method: method)
        guard let id = params.id else {
            throw try refusal(ControlError(.badRequest, "review.resolve needs params.id, the report's number"), from: caller, method: method)
        }
        let accept = try checkedLabeler(params.accept ?? "final", task: task, from: caller, method: method, allowGold: true)
        let settings = params.values ?? [:]
        let byName = Dictionary(task.findings.map { (LabelTable.normalizedFindingName($0.name), $0.name) }, uniquingKeysWith: { first, _ in first })
        var overrides: [String: LabelValue] = [:]
        for (name, cell) in settings {
            guard let finding = byName[LabelTable.normalizedFindingName(name)] else {
                throw try refusal(ControlError(.badRequest, "task \(task.name) has no finding '\(name.prefix(64))'; findings: \(task.findings.map(\.name).joined(separator: ", "))"),
                                  from: caller, method: method)
            }
            guard let value = LabelTable.labelValue(cell) else {
                throw try refusal(ControlError(.badRequest, "'\(cell.prefix(20))' for \(finding) is not a label (1, 0, -1, blank, Yes, No or Undefined)"),
                                  from: caller, method: method)
            }
            overrides[finding] = value
        }
        if let followUp = params.followUp, let question = task.followUp {
            let options = question.options.map(\.name)
            for name in followUp where !options.contains(name) {
                throw try refusal(ControlError(.badRequest, "'\(name.prefix(40))' is not a follow-up option of \(task.name): \(options.joined(separator: ", "))"),
                                  from: caller, method: method)
            }
        }
        let now = Timestamp.string(Date())
        let object = "review resolve report=\(id) task=\(task.name) accept=\(accept.prefix(64)) set=\(overrides.keys.sorted().joined(separator: ",").prefix(200))"
        return try store.audited(event: .label, action: .create, actor: actor, object: object) {
            guard try !store.currentReportIDs(among: [id]).isEmpty else { throw StoreError.notFound }
            let sets = try store.labelSets(reportID: id).filter { $0.task == task.name }
            guard let base = chosenAnswers([id: sets], task: task, labeler: accept)[id] else {
                throw ControlError(.notFound, "report \(id) has no answer from \(accept) for task \(task.name) to start from")
            }
            let values = zip(task.findings, base.values).map { finding, value in (finding.name, overrides[finding.name] ?? value) }
            var followUp = params.followUp ?? base.followUp
            if task.kind == .binary { followUp = values.first?.1 == .positive ? (followUp ?? []) : nil }
            let provenance = LabelProvenance(labeler: ReportStore.goldLabeler, version: "review", task: task.name,
                                             taskVersion: task.version, labelledAt: now, reviewer: caller.peer.username)
            _ = try store.storeGold([GoldAnswer(reportID: id, values: values, followUp: followUp)], task: task.name,
                                    version: "review \(now) \(caller.peer.username)", provenance: provenance, actor: actor)
            guard let stored = try store.latestGold(task: task.name, reportIDs: [id])[id] else { throw StoreError.notFound }
            return ReviewResolveResult(reportID: id, gold: Self.labelSet(stored, kind: task.kind))
        }
    }
}
