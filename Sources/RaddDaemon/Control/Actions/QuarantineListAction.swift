import Control
import Foundation
import Ingest
import RaddCore
import Store

/// `quarantine.list`: quarantined files and their reasons, a page at a time.
struct QuarantineListAction: ControlAction {
    typealias Endpoint = Endpoints.QuarantineList
    let store: ReportStore

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<QuarantineListResult> {
        let state: QuarantineEntry.State?
        switch params.state {
        case nil: state = .held
        case "all": state = nil
        case let name?:
            guard let known = QuarantineEntry.State(rawValue: name) else {
                throw ControlError(.badRequest, "unknown state; known states: held, retried, purged, all")
            }
            state = known
        }
        let limit = RequestBounds.pageSize(params.limit)
        let object = "quarantine state=\(state?.rawValue ?? "all") limit=\(limit)"
        return ActionPlan(.inTransaction(.query, .read, object: object)) { [store] in
            let rows = try store.quarantined(state: state, limit: limit + 1, afterClaim: params.claim)
            let page = rows.prefix(limit).map(QuarantinedFile.init(entry:))
            return QuarantineListResult(files: Array(page), next: rows.count > limit ? page.last?.claim : nil)
        }
    }
}

extension QuarantinedFile {
    init(entry: QuarantineEntry) {
        self.init(claim: entry.claimID, folder: entry.folder, sourceName: entry.sourceName, fileName: entry.fileName,
                  reason: entry.reason, quarantinedAt: entry.quarantinedAt, state: entry.state.rawValue,
                  releasedAt: entry.releasedAt)
    }
}
