import Control
import Foundation
import Ingest
import RaddCore
import Store

/// `quarantine.retry`: returns quarantined files to their drop folder to be read again.
struct QuarantineRetryAction: ControlAction {
    typealias Endpoint = Endpoints.QuarantineRetry
    let release: QuarantineRelease

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<QuarantineActionResult> {
        try release.plan(claim: params.claim, all: params.all, as: .retried, actor: request.actor)
    }
}

/// `quarantine.purge`: deletes quarantined files.
struct QuarantinePurgeAction: ControlAction {
    typealias Endpoint = Endpoints.QuarantinePurge
    let release: QuarantineRelease

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<QuarantineActionResult> {
        try release.plan(claim: params.claim, all: params.all, as: .purged, actor: request.actor)
    }
}

/// Releases quarantined files, retried or purged. Each file is released in a transaction of its
/// own with its audit record, so one file that cannot be moved does not hold back the others;
/// failures are listed, not hidden.
struct QuarantineRelease: Sendable {
    let store: ReportStore
    let dropFolders: [DropFolder]
    let quarantine: QuarantineFolder

    func plan(claim: String?, all: Bool?, as state: QuarantineEntry.State, actor: AuditActor) throws -> ActionPlan<QuarantineActionResult> {
        guard (claim != nil) != (all == true) else {
            throw ControlError(.badRequest, "give either params.claim (one file's claim id) or params.all = true")
        }
        if let claim, try store.quarantineEntry(claimID: claim) == nil {
            throw ControlError(.notFound, "no quarantined file with claim \(claim) (raddctl quarantine list shows them)")
        }
        return ActionPlan(.byTheWork) { [self] in try release(claim, as: state, actor: actor) }
    }

    private func release(_ claim: String?, as state: QuarantineEntry.State, actor: AuditActor) throws -> QuarantineActionResult {
        let claims = try claim.map { [$0] } ?? store.quarantined(state: .held, limit: Int.max).map(\.claimID)
        var result = QuarantineActionResult(done: [], failed: [])
        for claim in claims {
            do {
                var droppedAs: String?
                try store.release(claimID: claim, as: state, actor: actor) { entry in
                    guard let fileName = entry.fileName else {
                        throw ControlError(.unavailable, "no file name is on record for this quarantined file")
                    }
                    if state == .purged {
                        try quarantine.purge(named: fileName)
                    } else {
                        guard let folder = dropFolders.first(where: { $0.name == entry.folder }) else {
                            throw ControlError(.unavailable, "its drop folder '\(entry.folder)' is no longer configured")
                        }
                        droppedAs = try quarantine.returnFile(named: fileName, originalName: entry.sourceName, to: folder)
                    }
                }
                result.done.append(.init(claim: claim, state: state.rawValue, droppedAs: droppedAs))
            } catch {
                let message = (error as? ControlError)?.message ?? "\(error)"
                result.failed.append(.init(claim: claim, message: message))
                try store.database.transaction {
                    try store.audit.append(event: .quarantine, action: state == .purged ? .delete : .update,
                                           outcome: .minorFailure, outcomeText: message, actor: actor, object: "claim=\(claim)")
                }
            }
        }
        if claim != nil, let failure = result.failed.first {
            throw ControlError(.unavailable, "claim \(failure.claim): \(failure.message)")
        }
        return result
    }
}
