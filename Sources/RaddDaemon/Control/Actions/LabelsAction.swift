import Control
import Foundation
import Labeling
import RaddCore
import Store

/// `labels`: final labels of one task, a page of labelled reports at a time.
struct LabelsAction: ControlAction {
    typealias Endpoint = Endpoints.Labels
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<LabelsResult> {
        let task = try labeling.task(named: params.task)
        let limit = RequestBounds.pageSize(params.limit)
        let after = params.after ?? 0
        let object = "labels task=\(task.name) limit=\(limit) after=\(after)"
        return ActionPlan(.inTransaction(.query, .read, object: object)) { [store, labeling] in
            let page = try store.labelSets(task: task.name, afterReportID: after, limit: limit + 1)
            let decisions = labeling.decisions()
            var rows: [LabelRow] = []
            for (reportID, sets) in page.prefix(limit) {
                guard let final = decisions.final(task, LabelingView.answers(sets, task: task)) else { continue }
                rows.append(LabelRow(reportID: reportID, source: final.source.description, cells: task.cells(for: final.answer)))
            }
            var result = LabelsResult(task: task.name, columns: task.columns, rows: rows,
                                      next: page.count > limit ? page.prefix(limit).last?.reportID : nil)
            if params.explain == true { result.explanation = labeling.explanation(task, under: decisions) }
            return result
        }
    }
}
