import Control
import Foundation
import Logging
import RaddCore
import Store

/// Answers control requests from the store. Each answer is read in the same transaction as the
/// audit record that says who read it; if that record cannot be written, nothing is answered.
final class ControlRequestHandler: ControlHandler, @unchecked Sendable {
    private let store: ReportStore
    private let context: StatusContext
    private let logger = Logger(label: "control")
    static let maxPageSize = 1000

    /// What `status` reports besides the store's counts.
    struct StatusContext: Sendable {
        var startedAt: Date
        var cipherVersion: String
        var deidMethod: String
        var dropDirectory: String
        var queueDepth: @Sendable () -> Int
    }

    init(store: ReportStore, context: StatusContext) {
        self.store = store
        self.context = context
    }

    func handle(_ request: ControlRequest, method: ControlMethod, from peer: PeerCredentials) throws -> any Encodable {
        let actor = AuditActor(uid: peer.uid, username: peer.username, pid: peer.pid)
        do {
            switch method {
            case .status:
                return try store.audited(event: "query", action: .read, actor: actor, object: "status") { try status() }
            case .reports:
                let params = request.params ?? .init()
                if let state = params.state, ReportState(rawValue: state) == nil {
                    throw try refusal(ControlError(.badRequest, "unknown state; known states: \(ReportState.allCases.map(\.rawValue).joined(separator: ", "))"),
                                      from: peer, method: method)
                }
                let limit = min(max(params.limit ?? 100, 1), Self.maxPageSize)
                let object = "reports state=\(params.state ?? "*") limit=\(limit) after=\(params.after ?? 0)"
                return try store.audited(event: "query", action: .read, actor: actor, object: object) {
                    let rows = try store.reports(state: params.state, limit: limit + 1, afterID: params.after ?? 0)
                    let page = rows.prefix(limit).map(Self.summary)
                    return ReportsResult(reports: Array(page), next: rows.count > limit ? page.last?.id : nil)
                }
            case .report:
                guard let id = request.params?.id else {
                    throw try refusal(ControlError(.badRequest, "method 'report' needs params.id, the report's number"),
                                      from: peer, method: method)
                }
                return try store.audited(event: "query", action: .read, actor: actor, object: "report=\(id)") {
                    guard let report = try store.report(id: id) else { throw StoreError.notFound }
                    let labels = try store.labels(reportID: id).map {
                        LabelResult(finding: $0.finding, value: $0.value, labeler: $0.labeler, model: $0.model,
                                    labelerVersion: $0.labelerVersion, createdAt: $0.createdAt)
                    }
                    return ReportResult(report: Self.summary(report), text: report.text ?? "", labels: labels)
                }
            }
        } catch StoreError.notFound {
            throw ControlError(.notFound, "no report with id \(request.params?.id.map(String.init) ?? "?")")
        } catch let error as ControlError {
            throw error
        } catch {
            logger.error("control request failed", metadata: ["method": "\(method.rawValue)", "error": "\(error)"])
            throw ControlError(.internalError, "the request failed and was not answered (its audit record or read could not be completed); see raddd's log")
        }
    }

    func refused(_ peer: PeerCredentials, error: ControlError, method: String?) throws {
        let actor = AuditActor(uid: peer.uid, username: peer.username, pid: peer.pid)
        let outcome: AuditOutcome = error.code == .permissionDenied ? .denied : .minorFailure
        let event = error.code == .permissionDenied ? "security_alert" : "query"
        logger.notice("control request refused", metadata: ["uid": "\(peer.uid)", "pid": "\(peer.pid)", "code": "\(error.code.rawValue)"])
        try store.database.transaction {
            try store.audit.append(event: event, action: .execute, outcome: outcome, outcomeText: error.code.rawValue,
                                   actor: actor, object: method.map { "method=\($0.prefix(64))" })
        }
    }

    /// Audits a request refused for its parameters and returns the error to send.
    private func refusal(_ error: ControlError, from peer: PeerCredentials, method: ControlMethod) throws -> ControlError {
        try refused(peer, error: error, method: method.rawValue)
        return error
    }

    private func status() throws -> StatusResult {
        StatusResult(
            version: RaddVersion.string, protocolVersion: ControlProtocol.version, pid: getpid(),
            startedAt: Timestamp.string(context.startedAt),
            uptimeSeconds: Int(Date().timeIntervalSince(context.startedAt)),
            schemaVersion: try store.schemaVersion(), cipherVersion: context.cipherVersion,
            queueDepth: context.queueDepth(), reportsByState: try store.countsByState(),
            deidMethod: context.deidMethod, dropDirectory: context.dropDirectory)
    }

    static func summary(_ report: StoredReport) -> ReportSummary {
        ReportSummary(id: report.id, state: report.state, sourceName: report.sourceName, format: report.format,
                      byteCount: report.byteCount, receivedAt: report.receivedAt, storedAt: report.storedAt,
                      deidMethod: report.deidMethod)
    }
}
