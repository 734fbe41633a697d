import Control
import Foundation
import Labeling
import RaddCore
import Store

/// `eval`: scores a labeler's stored answers against the stored gold (the latest per report) with
/// the same scorer as offline `raddctl eval`.
struct EvaluateAction: ControlAction {
    typealias Endpoint = Endpoints.Evaluate
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<EvaluationResult> {
        let task = try labeling.task(named: params.task)
        let labeler = try labeling.checkedLabeler(params.labeler ?? "final", task: task, store: store)
        var uncertain: UncertainPolicy?
        if let name = params.uncertain {
            guard let policy = UncertainPolicy(rawValue: name) else {
                throw ControlError(.badRequest, "uncertain must be positive, negative or exclude")
            }
            uncertain = policy
        }
        let object = "eval task=\(task.name) labeler=\(labeler.rawValue.prefix(64)) against=gold"
        return ActionPlan(.inTransaction(.query, .read, object: object)) { [store, labeling] in
            let gold = try store.latestGold(task: task.name)
            guard !gold.isEmpty else {
                throw ControlError(.notFound, "no gold answers are stored for task \(task.name) (raddctl gold sample, then gold import)")
            }
            let ids = gold.keys.sorted()
            let predicted = LabelingView.chosenAnswers(try store.labelSets(task: task.name, reportIDs: ids), task: task, labeler: labeler,
                                                       under: labeling.decisions())
            let goldAnswers = gold.mapValues { task.answer(values: $0.values, followUp: $0.followUp, provenance: $0.provenance) }
            do {
                let report = try EvaluationReport.scoring(task: task, gold: goldAnswers, predicted: predicted,
                                                          goldName: "stored in raddd (the latest per report)",
                                                          predictionName: "stored labels of \(labeler.rawValue)", uncertain: uncertain)
                return EvaluationResult(text: report.text, json: String(decoding: try report.json(), as: UTF8.self), reports: report.reports)
            } catch let error as LabelFileError {
                throw ControlError(.unavailable, "the stored labels could not be scored: \(error.problem)")
            }
        }
    }
}
