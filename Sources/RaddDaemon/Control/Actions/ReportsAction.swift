import Control
import Foundation
import RaddCore
import Store

/// `reports`: a page of stored reports in id order.
struct ReportsAction: ControlAction {
    typealias Endpoint = Endpoints.Reports
    let store: ReportStore

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<ReportsResult> {
        let state = try params.state.map { name in
            guard let state = ReportState(rawValue: name) else {
                throw ControlError(.badRequest, "unknown state; known states: \(ReportState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return state
        }
        let language = try params.language.map { code in
            guard let language = ReportLanguage(rawValue: code) else {
                throw ControlError(.badRequest, "unknown language; known languages: \(ReportLanguage.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return language
        }
        let limit = RequestBounds.pageSize(params.limit)
        let after = params.after ?? 0
        // The object as before languages unless a language is asked for, so that audit records
        // of the same request read the same.
        let object = "reports state=\(params.state ?? "*") limit=\(limit) after=\(after)"
            + (language.map { " language=\($0.rawValue)" } ?? "")
        return ActionPlan(.inTransaction(.query, .read, object: object)) { [store] in
            let rows = try store.reports(state: state, language: language, limit: limit + 1, afterID: after)
            let page = rows.prefix(limit).map(ReportSummary.init(stored:))
            return ReportsResult(reports: Array(page), next: rows.count > limit ? page.last?.id : nil)
        }
    }
}

extension ReportSummary {
    /// What a listing shows of a stored report: never its text. The enums go out as the raw values
    /// the store holds, so the protocol's JSON is what it was when these were strings.
    init(stored report: StoredReport) {
        self.init(id: report.id, state: report.state.rawValue, sourceName: report.sourceName,
                  format: report.format.rawValue, byteCount: report.byteCount, receivedAt: report.receivedAt,
                  storedAt: report.storedAt, deidMethod: report.deidMethod)
        status = report.status.rawValue
        folder = report.folder
        accessionPseudonym = report.accessionPseudonym
        patientPseudonym = report.patientPseudonym
        examCode = report.examCode
        examDescription = report.examDescription
        modality = report.modality
        observedAt = report.observedAt
        reportedAt = report.reportedAt
        supersededBy = report.supersededBy
        language = report.language.rawValue
    }
}
