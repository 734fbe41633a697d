import Control
import Foundation
import RaddCore
import Store

/// One control method's work in raddd. By the time an action is asked, the dispatcher has
/// checked the caller's role and read the params its endpoint declares; the action checks what
/// the params mean and says which audit record the request gets. It never audits a refusal
/// itself: a `ControlError` thrown from `prepare` is answered and audited by the dispatcher, so
/// no refusal can go unaudited.
protocol ControlAction: Sendable {
    associatedtype Endpoint: ControlEndpoint

    /// Checks the params and returns the work to do with its audit record. Reads that decide
    /// whether the request is valid (does the report exist?) may happen here; nothing may change.
    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<Endpoint.Result>

    /// The answer when the work finds that what the request names does not exist
    /// (`StoreError.notFound`).
    func notFoundMessage(_ params: Endpoint.Params) -> String
}

extension ControlAction {
    func notFoundMessage(_ params: Endpoint.Params) -> String { "no report with id ?" }
}

/// Who asks, as the audit record names them.
struct ActionRequest: Sendable {
    let caller: ControlCaller
    let actor: AuditActor
    let method: ControlMethod
}

/// The work of one request and the audit record that goes with it.
struct ActionPlan<Result> {
    let audit: ActionAudit<Result>
    let work: () throws -> Result

    init(_ audit: ActionAudit<Result>, _ work: @escaping () throws -> Result) {
        self.audit = audit
        self.work = work
    }
}

/// How a request is audited once it is valid.
enum ActionAudit<Result> {
    /// One record, written in the transaction that does the work and with its outcome: the
    /// answer is read (or the change made) only if its record commits with it. `detail`
    /// appends what the result adds to the record (an export page's row count).
    case inTransaction(AuditEvent, AuditAction, object: String, detail: ((Result) -> String)? = nil)
    /// The work writes its own records because it is several steps that succeed or fail one by
    /// one: each quarantined file, key rotation's intent and outcome, a configuration reload, a
    /// relabel run queued. Such work must audit every outcome, failures included.
    case byTheWork
}
