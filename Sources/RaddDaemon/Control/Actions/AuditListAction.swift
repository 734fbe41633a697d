import Control
import Foundation
import RaddCore
import Store

/// `audit.list`: a page of audit records, filtered (audited as a use of the log).
struct AuditListAction: ControlAction {
    typealias Endpoint = Endpoints.AuditList
    let store: ReportStore

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<AuditPage> {
        try AuditQuery(store: store, name: "audit list", event: .auditLogUsed, since: params.since, until: params.until,
                       user: params.user, types: params.types, outcome: params.outcome, limit: params.limit, after: params.after).plan()
    }
}

/// `audit.export`: the same pages, audited as an export of the log.
struct AuditExportAction: ControlAction {
    typealias Endpoint = Endpoints.AuditExport
    let store: ReportStore

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<AuditPage> {
        try AuditQuery(store: store, name: "audit export", event: .export, since: params.since, until: params.until,
                       user: params.user, types: params.types, outcome: params.outcome, limit: params.limit, after: params.after).plan()
    }
}

/// A filtered page of the audit log. Times are ISO 8601 (a date alone means its midnight UTC),
/// a user is a name or a uid, types and outcome must be known.
struct AuditQuery {
    let store: ReportStore
    let name: String
    let event: AuditEvent
    var since, until, user: String?
    var types: [String]?
    var outcome: String?
    var limit: Int?
    var after: Int64?

    func plan() throws -> ActionPlan<AuditPage> {
        var filter = AuditLog.Filter()
        (filter.since, filter.until) = try RequestBounds.time(since, until)
        if let user {
            if let uid = UInt32(user) { filter.uid = uid } else { filter.username = user }
        }
        let known = AuditEvent.allCases.map(\.rawValue)
        for type in types ?? [] where !known.contains(type) {
            throw ControlError(.badRequest, "unknown audit event type '\(type.prefix(40))'; known: \(known.joined(separator: ", "))")
        }
        filter.events = types ?? []
        if let outcome {
            guard AuditOutcome(rawValue: outcome) != nil else {
                throw ControlError(.badRequest, "unknown outcome '\(outcome.prefix(40))'; known: \(AuditOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.outcome = outcome
        }
        let limit = RequestBounds.pageSize(limit)
        let after = after ?? 0
        return ActionPlan(.inTransaction(event, .read, object: object(limit: limit, after: after))) { [store, filter] in
            let rows = try store.audit.records(after: after, limit: limit + 1, filter: filter)
            let page = Array(rows.prefix(limit))
            return AuditPage(records: page, next: rows.count > limit ? page.last?.seq : nil)
        }
    }

    /// The query as the audit record keeps it: parameters only, cut short.
    private func object(limit: Int, after: Int64) -> String {
        var parts = [name, "limit=\(limit)", "after=\(after)"]
        if let since { parts.append("since=\(since.prefix(40))") }
        if let until { parts.append("until=\(until.prefix(40))") }
        if let user { parts.append("user=\(user.prefix(40))") }
        if let types, !types.isEmpty { parts.append("types=\(types.joined(separator: ",").prefix(200))") }
        if let outcome { parts.append("outcome=\(outcome.prefix(20))") }
        return parts.joined(separator: " ")
    }
}
