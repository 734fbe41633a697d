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
        let object = "eval task=\(task.name) labeler=\(labeler.prefix(64)) against=gold"
        return ActionPlan(.inTransaction(.query, .read, object: object)) { [store, labeling] in
            let gold = try store.latestGold(task: task.name)
            guard !gold.isEmpty else {
                throw ControlError(.notFound, "no gold answers are stored for task \(task.name) (raddctl gold sample, then gold import)")
            }
            let ids = gold.keys.sorted()
            let predicted = labeling.chosenAnswers(try store.labelSets(task: task.name, reportIDs: ids), task: task, labeler: labeler)
            let columns = EvaluationReport.readColumns(of: task)
            var goldFile = CSVRow.line(["report_id"] + task.findings.map(\.name) + columns.answers) + "\n"
            for id in ids {
                let set = gold[id]!
                let answer = TaskAnswer(values: task.findings.map { finding in set.values.first { $0.finding == finding.name }?.value ?? .undefined },
                                        followUp: set.followUp, provenance: set.provenance)
                goldFile += CSVRow.line([String(id)] + Array(task.cells(for: answer).dropFirst(task.noFinding == nil ? 0 : 1))) + "\n"
            }
            var predictionFile = CSVRow.line(["report_id"] + task.columns) + "\n"
            for id in ids { if let answer = predicted[id] { predictionFile += CSVRow.line([String(id)] + task.cells(for: answer)) + "\n" } }
            do {
                let goldName = "stored in raddd (the latest per report)", predictionName = "stored labels of \(labeler)"
                let report = try EvaluationReport.scoring(
                    task: task.name, definition: task,
                    gold: try LabelTable.parse(goldFile, file: goldName, answerColumns: columns.answers, onlyFindings: columns.findings),
                    predicted: try LabelTable.parse(predictionFile, file: predictionName, answerColumns: columns.answers, onlyFindings: columns.findings),
                    goldName: goldName, predictionName: predictionName, uncertain: uncertain, onlyCommon: true)
                return EvaluationResult(text: report.text, json: String(decoding: try report.json(), as: UTF8.self), reports: report.reports)
            } catch let error as LabelFileError {
                throw ControlError(.unavailable, "the stored labels could not be scored: \(error.problem)")
            }
        }
    }
}
