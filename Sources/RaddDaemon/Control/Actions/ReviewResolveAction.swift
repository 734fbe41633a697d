import Control
import Foundation
import Labeling
import RaddCore
import Store

/// `review.resolve`: stores the reviewer's answer as gold: the answer of `accept` (the final
/// label unless it names a labeler) with the findings the reviewer set, audited with the report
/// and task. Gold takes the report off the review list.
struct ReviewResolveAction: ControlAction {
    typealias Endpoint = Endpoints.ReviewResolve
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<ReviewResolveResult> {
        let task = try labeling.task(named: params.task)
        guard let id = params.id else {
            throw ControlError(.badRequest, "review.resolve needs params.id, the report's number")
        }
        let accept = try labeling.checkedLabeler(params.accept ?? "final", task: task, store: store, allowGold: true)
        let byName = Dictionary(task.findings.map { (LabelTable.normalizedFindingName($0.name), $0.name) }, uniquingKeysWith: { first, _ in first })
        var overrides: [String: LabelValue] = [:]
        for (name, cell) in params.values ?? [:] {
            guard let finding = byName[LabelTable.normalizedFindingName(name)] else {
                throw ControlError(.badRequest, "task \(task.name) has no finding '\(name.prefix(64))'; findings: \(task.findings.map(\.name).joined(separator: ", "))")
            }
            guard let value = LabelTable.labelValue(cell) else {
                throw ControlError(.badRequest, "'\(cell.prefix(20))' for \(finding) is not a label (1, 0, -1, blank, Yes, No or Undefined)")
            }
            overrides[finding] = value
        }
        if let followUp = params.followUp, let question = task.followUp {
            let options = question.options.map(\.name)
            for name in followUp where !options.contains(name) {
                throw ControlError(.badRequest, "'\(name.prefix(40))' is not a follow-up option of \(task.name): \(options.joined(separator: ", "))")
            }
        }
        let reviewer = request.caller.peer.username
        let actor = request.actor
        let now = Timestamp.string(Date())
        let object = "review resolve report=\(id) task=\(task.name) accept=\(accept.rawValue.prefix(64)) set=\(overrides.keys.sorted().joined(separator: ",").prefix(200))"
        return ActionPlan(.inTransaction(.label, .create, object: object)) { [store, labeling] in
            guard try !store.currentReportIDs(among: [id]).isEmpty else { throw StoreError.notFound }
            let sets = try store.labelSets(reportID: id).filter { $0.task == task.name }
            guard let base = labeling.decisions().answer(of: accept, task, LabelingView.answers(sets, task: task)) else {
                throw ControlError(.notFound, "report \(id) has no answer from \(accept) for task \(task.name) to start from")
            }
            let values = zip(task.findings, base.values).map { finding, value in (finding.name, overrides[finding.name] ?? value) }
            var followUp = params.followUp ?? base.followUp
            if task.kind == .binary { followUp = values.first?.1 == .positive ? (followUp ?? []) : nil }
            let provenance = LabelProvenance(labeler: ReportStore.goldLabeler, version: "review", task: task.name,
                                             taskVersion: task.version, labelledAt: now, reviewer: reviewer)
            _ = try store.storeGold([GoldAnswer(reportID: id, values: values, followUp: followUp)], task: task.name,
                                    version: "review \(now) \(reviewer)", provenance: provenance, actor: actor)
            guard let stored = try store.latestGold(task: task.name, reportIDs: [id])[id] else { throw StoreError.notFound }
            // The auto policy's evidence changed: its new choice is audited with this gold.
            try labeling.labeling.refreshChoice(actor: actor, because: "review resolved")
            return ReviewResolveResult(reportID: id, gold: LabelingView.labelSet(stored, kind: task.kind))
        }
    }

    func notFoundMessage(_ params: Endpoint.Params) -> String {
        "no report with id \(params.id.map(String.init) ?? "?")"
    }
}
