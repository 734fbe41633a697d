import Control
import Foundation
import Labeling
import RaddCore
import Store

/// `review`: reports whose configured labelers disagree or whose final label is undecided, a page
/// of items at a time. Reports with gold have been decided by a person and leave the list.
struct ReviewAction: ControlAction {
    typealias Endpoint = Endpoints.Review
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<ReviewResult> {
        let task = try labeling.task(named: params.task)
        let limit = RequestBounds.pageSize(params.limit)
        let after = params.after ?? 0
        let object = "review task=\(task.name) limit=\(limit) after=\(after)"
        return ActionPlan(.inTransaction(.query, .read, object: object)) { [self] in
            try page(task, limit: limit, after: after)
        }
    }

    private func page(_ task: LabelTask, limit: Int, after: Int64) throws -> ReviewResult {
        var items: [ReviewItem] = []
        var cursor = after
        var exhausted = false
        let decisions = labeling.decisions()
        // Scan pages of labelled reports until a page of items is full.
        while items.count < limit && !exhausted {
            let page = try store.labelSets(task: task.name, afterReportID: cursor, limit: RequestBounds.maxPageSize)
            exhausted = page.count < RequestBounds.maxPageSize
            for (reportID, sets) in page {
                cursor = reportID
                guard let item = decisions.reviewItem(task, LabelingView.answers(sets, task: task)) else { continue }
                items.append(ReviewItem(reportID: reportID, disagreements: item.disagreements, undecided: item.undecided,
                                        answers: item.cells(task)))
                if items.count == limit { break }
            }
        }
        return ReviewResult(task: task.name, items: items, next: items.count == limit ? items.last?.reportID : nil)
    }
}
