import Control
import Foundation
import RaddCore

/// `reload`: re-reads the access policy and the live settings. The reloader audits the outcome
/// as a configuration change, a failed reload included.
struct ReloadAction: ControlAction {
    typealias Endpoint = Endpoints.Reload
    let reloader: ConfigurationReloader

    func prepare(_ params: NoParams, for request: ActionRequest) throws -> ActionPlan<ReloadResult> {
        ActionPlan(.byTheWork) { [reloader] in
            do {
                let outcome = try reloader.reload(actor: request.actor)
                return ReloadResult(accessPolicy: outcome.source, roles: outcome.policy.summary, applied: outcome.applied,
                                    needRestart: outcome.needRestart)
            } catch let failure as ConfigurationReloader.Failure {
                throw ControlError(.badRequest, failure.description)
            }
        }
    }
}
