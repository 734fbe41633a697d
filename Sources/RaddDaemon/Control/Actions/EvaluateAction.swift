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
            if task.kind == .extraction {
                return try phrases(task: task, labeler: labeler, gold: gold, ids: ids)
            }
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

    /// An extraction task: the phrases of `labeler` against the gold phrases, on the gold
    /// reports it answered, matched leniently in each report's de-identified text.
    private func phrases(task: LabelTask, labeler: LabelerID, gold: [Int64: StoredLabelSet], ids: [Int64]) throws -> EvaluationResult {
        let predicted = LabelingView.chosenAnswers(try store.labelSets(task: task.name, reportIDs: ids), task: task, labeler: labeler,
                                                   under: labeling.decisions())
        var inputs: [PhraseEvaluation.Input] = []
        for id in ids {
            guard let answer = predicted[id], let goldSet = gold[id], let text = try store.textForLabeling(reportID: id) else { continue }
            let goldAnswer = task.storedAnswer(values: [], list: goldSet.followUp, provenance: goldSet.provenance)
            inputs.append(PhraseEvaluation.Input(text: text, predicted: answer.phrases ?? [], gold: goldAnswer.phrases ?? [],
                                                 droppedInvented: answer.provenance.discardedQuotes ?? 0))
        }
        guard !inputs.isEmpty else {
            throw ControlError(.notFound, "\(labeler) has answered none of the \(ids.count) gold reports of task \(task.name)")
        }
        let evaluation = PhraseEvaluation(inputs)
        var text = evaluation.text(task: task.name, labeler: labeler.rawValue, goldName: "stored in raddd (the latest per report)")
        if inputs.count < ids.count { text += "Note: \(ids.count - inputs.count) gold reports have no answer from \(labeler) and are not scored\n" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return EvaluationResult(text: text, json: String(decoding: try encoder.encode(evaluation), as: UTF8.self), reports: inputs.count)
    }
}
