import Control
import Foundation
import RaddCore
import Store

/// `reports`: a page of stored reports in id order.
struct ReportsAction: ControlAction {
    typealias Endpoint = Endpoints.Reports
    let store: ReportStore

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<ReportsResult> {
        if let state = params.state, ReportState(rawValue: state) == nil {
            throw ControlError(.badRequest, "unknown state; known states: \(ReportState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let limit = RequestBounds.pageSize(params.limit)
        let after = params.after ?? 0
        let object = "reports state=\(params.state ?? "*") limit=\(limit) after=\(after)"
        return ActionPlan(.inTransaction(.query, .read, object: object)) { [store] in
            let rows = try store.reports(state: params.state, limit: limit + 1, afterID: after)
            let page = rows.prefix(limit).map(ReportSummary.init(stored:))
            return ReportsResult(reports: Array(page), next: rows.count > limit ? page.last?.id : nil)
        }
    }
}

extension ReportSummary {
    /// What a listing shows of a stored report: never its text.
    init(stored report: StoredReport) {
        self.init(id: report.id, state: report.state, sourceName: report.sourceName, format: report.format,
                  byteCount: report.byteCount, receivedAt: report.receivedAt, storedAt: report.storedAt,
                  deidMethod: report.deidMethod)
        status = report.status
        folder = report.folder
        accessionPseudonym = report.accessionPseudonym
        patientPseudonym = report.patientPseudonym
        examCode = report.examCode
        examDescription = report.examDescription
        modality = report.modality
        observedAt = report.observedAt
        reportedAt = report.reportedAt
        supersededBy = report.supersededBy
    }
}
