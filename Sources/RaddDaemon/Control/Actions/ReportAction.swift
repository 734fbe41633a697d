import Control
import Foundation
import RaddCore
import Store

/// `report`: one report's de-identified text, sections, labels, final labels and pending jobs.
struct ReportAction: ControlAction {
    typealias Endpoint = Endpoints.Report
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<ReportResult> {
        guard let id = params.id else {
            throw ControlError(.badRequest, "method 'report' needs params.id, the report's number")
        }
        return ActionPlan(.inTransaction(.query, .read, object: "report=\(id)")) { [store, labeling] in
            guard let report = try store.report(id: id) else { throw StoreError.notFound }
            let labels = try store.labels(reportID: id).map {
                LabelResult(finding: $0.finding, value: $0.value, labeler: $0.labeler, model: $0.model,
                            labelerVersion: $0.labelerVersion, createdAt: $0.createdAt)
            }
            let sets = try store.labelSets(reportID: id)
            let pending = try store.labelJobs(reportID: id).map {
                PendingLabelJob(task: $0.task, labeler: $0.labeler, state: $0.state, lastError: $0.lastError)
            }
            return ReportResult(report: ReportSummary(stored: report), text: report.text ?? "",
                                sections: Self.sections(report.sections),
                                phiReplaced: try store.phiSpanCounts(reportID: id), labels: labels,
                                labelSets: sets.map { LabelingView.labelSet($0, kind: labeling.labeling.task(named: $0.task)?.kind) },
                                finalLabels: labeling.finalLabels(sets, under: labeling.decisions()), pendingLabels: pending)
        }
    }

    func notFoundMessage(_ params: Endpoint.Params) -> String {
        "no report with id \(params.id.map(String.init) ?? "?")"
    }

    static func sections(_ sections: ReportSections?) -> [String: String] {
        guard let sections else { return [:] }
        let named: [(String, String?)] = [("indication", sections.indication), ("comparison", sections.comparison),
                                          ("findings", sections.findings), ("impression", sections.impression)]
        return Dictionary(uniqueKeysWithValues: named.compactMap { name, text in text.map { (name, $0) } })
    }
}
