import Control
import Foundation
import Labeling
import RaddCore
import Store

/// `export.instruct`: one page of instruction-tuning pairs, read with its `export` audit record
/// (row count included). Only de-identified text and pseudonyms leave raddd.
struct ExportInstructAction: ControlAction {
    typealias Endpoint = Endpoints.ExportInstruct
    static let maxPage = 1000
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<InstructPage> {
        let task = try labeling.task(named: params.task)
        let labeler = try labeling.checkedLabeler(params.labeler ?? "final", task: task, store: store, allowGold: true)
        let bounds = try RequestBounds.time(params.since, params.until)
        let limit = RequestBounds.pageSize(params.limit, default: Self.maxPage, max: Self.maxPage)
        let after = params.after ?? 0
        var object = "export instruct task=\(task.name) labeler=\(labeler.rawValue.prefix(64)) after=\(after)"
        if let since = bounds.since { object += " since=\(since)" }
        if let until = bounds.until { object += " until=\(until)" }
        let system = InstructionExample.systemPrompt(for: task)
        return ActionPlan(.inTransaction(.export, .read, object: object, detail: { " rows=\($0.rows.count)" })) { [store, labeling] in
            let page = try store.labelSets(task: task.name, afterReportID: after, limit: limit)
            let answers = LabelingView.chosenAnswers(Dictionary(page.map { ($0.reportID, $0.sets) }, uniquingKeysWith: { first, _ in first }),
                                                     task: task, labeler: labeler, under: labeling.decisions())
            let texts = try store.trainingTexts(page.map(\.reportID), since: bounds.since, until: bounds.until)
            var rows: [InstructPage.Row] = []
            for (reportID, _) in page {
                guard let answer = answers[reportID], let report = texts[reportID] else { continue }
                let group = report.patientPseudonym.map { "patient:" + $0 }
                    ?? report.accessionPseudonym.map { "accession:" + $0 } ?? "report:\(reportID)"
                rows.append(.init(reportID: reportID, group: group,
                                  line: InstructionExample.line(task: task, system: system, reportText: report.text, answer: answer),
                                  language: report.language.rawValue))
            }
            return InstructPage(rows: rows, next: page.count == limit ? page.last?.reportID : nil)
        }
    }
}
