import Control
import Foundation
import Labeling
import RaddCore
import Store

/// `review.show`: one report with each configured labeler's answer, the final label and any gold.
struct ReviewShowAction: ControlAction {
    typealias Endpoint = Endpoints.ReviewShow
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<ReviewShowResult> {
        let task = try labeling.task(named: params.task)
        guard let id = params.id else {
            throw ControlError(.badRequest, "review.show needs params.id, the report's number")
        }
        return ActionPlan(.inTransaction(.query, .read, object: "review show report=\(id) task=\(task.name)")) { [store, labeling] in
            guard let report = try store.report(id: id) else { throw StoreError.notFound }
            let sets = try store.labelSets(reportID: id).filter { $0.task == task.name }
            let decisions = labeling.decisions()
            let configured = Set(decisions.configured.map(\.rawValue))
            var latest: [String: StoredLabelSet] = [:]
            for set in sets { latest[set.labeler] = set }
            let review = decisions.review(task, LabelingView.answers(sets, task: task))
            return ReviewShowResult(
                reportID: id, task: task.name, kind: task.kind.rawValue, findings: task.findings.map(\.name), text: report.text ?? "",
                accessionPseudonym: report.accessionPseudonym,
                answers: latest.values.filter { configured.contains($0.labeler) }.sorted { $0.labeler < $1.labeler }
                    .map { LabelingView.labelSet($0, kind: task.kind) },
                final: labeling.finalLabels(sets, under: decisions).first { $0.task == task.name },
                gold: latest[ReportStore.goldLabeler].map { LabelingView.labelSet($0, kind: task.kind) },
                disagreements: review.disagreements, undecided: review.undecided)
        }
    }

    func notFoundMessage(_ params: Endpoint.Params) -> String {
        "no report with id \(params.id.map(String.init) ?? "?")"
    }
}
