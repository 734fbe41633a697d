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
            let configured = Set(labeling.configuredLabelers)
            var latest: [String: StoredLabelSet] = [:]
            for set in sets { latest[set.labeler] = set }
            let answers = LabelingView.answers(sets, task: task).filter { configured.contains($0.key) }
            let (disagreements, undecided) = labeling.reviewFindings(task, answers, under: labeling.live.labelPolicy)
            return ReviewShowResult(
                reportID: id, task: task.name, kind: task.kind.rawValue, findings: task.findings.map(\.name), text: report.text ?? "",
                accessionPseudonym: report.accessionPseudonym,
                answers: latest.values.filter { configured.contains($0.labeler) }.sorted { $0.labeler < $1.labeler }
                    .map { LabelingView.labelSet($0, kind: task.kind) },
                final: labeling.finalLabels(sets).first { $0.task == task.name },
                gold: latest[ReportStore.goldLabeler].map { LabelingView.labelSet($0, kind: task.kind) },
                disagreements: disagreements, undecided: undecided)
        }
    }

    func notFoundMessage(_ params: Endpoint.Params) -> String {
        "no report with id \(params.id.map(String.init) ?? "?")"
    }
}
