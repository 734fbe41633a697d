import Control
import Foundation
import RaddCore
import Store

/// `pseudonym`: the pseudonym raddd gives an accession number or patient id, and how many current
/// reports carry it, for image pipelines that check their joins. The identifier itself is never
/// logged or audited: only its kind.
struct PseudonymAction: ControlAction {
    typealias Endpoint = Endpoints.Pseudonym
    let store: ReportStore

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<PseudonymResult> {
        guard let kind = params.kind, ["accession", "patient"].contains(kind) else {
            throw ControlError(.badRequest, "kind must be accession or patient")
        }
        guard let value = params.value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ControlError(.badRequest, "pseudonym needs params.value, the identifier")
        }
        guard let pseudonymizer = store.pseudonymizer else {
            throw ControlError(.unavailable, "this database has no pseudonym key")
        }
        let pseudonym = pseudonymizer.pseudonym(value)
        return ActionPlan(.inTransaction(.query, .read, object: "pseudonym kind=\(kind)")) { [store] in
            var result = PseudonymResult(kind: kind, pseudonym: pseudonym)
            result.storedReports = try store.currentReportCount(pseudonym: pseudonym, kind: kind)
            return result
        }
    }
}
