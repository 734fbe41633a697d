import Control
import Foundation
import Logging
import RaddCore
import Store

/// Every control request goes through here, and here only: who the caller is and which roles
/// they hold, whether the method exists and the caller may call it, whether its params are the
/// method's, the audit record of every refusal, the audited transaction of every valid request,
/// and the mapping of failures to answers. Actions (`Actions/`) only check what their params
/// mean and do the work.
final class ControlDispatcher: ControlResponder {
    private let store: ReportStore
    private let access: CurrentAccessPolicy
    private let actions: ControlActions
    private let logger = Logger(label: "control")

    init(store: ReportStore, access: CurrentAccessPolicy, actions: ControlActions) {
        self.store = store
        self.access = access
        self.actions = actions
    }

    // MARK: - Connections and envelopes

    func admit(_ peer: PeerCredentials) -> Result<ControlCaller, ControlError> {
        let policy = access.value
        let caller = ControlCaller(peer: peer, roles: policy.roles(of: peer))
        guard !caller.roles.isEmpty else {
            return .failure(refuse(caller, ControlError(.permissionDenied, "user \(peer.username) (uid \(peer.uid)) holds no radd role; ask an administrator to add them to the group of the role they need (\(policy.summary))"),
                                   method: nil))
        }
        return .success(caller)
    }

    func refuseOverlongLine(from caller: ControlCaller) -> Data {
        ControlResponse<NoParams>.errorLine(id: 0, refuse(caller, ControlError(.badRequest, "request longer than \(ControlProtocol.maxRequestBytes) bytes"), method: nil))
    }

    func respond(to line: Data, from caller: ControlCaller) -> Data {
        guard let request = try? JSONDecoder().decode(ControlRequest.self, from: line) else {
            let error = ControlError(.badRequest, "a request is one JSON object per line with v, id and method")
            return ControlResponse<NoParams>.errorLine(id: 0, refuse(caller, error, method: nil))
        }
        guard request.v == ControlProtocol.version else {
            let error = ControlError(.unsupportedVersion, "protocol version \(request.v) is not supported; this daemon speaks version \(ControlProtocol.version)")
            return ControlResponse<NoParams>.errorLine(id: request.id, refuse(caller, error, method: request.method))
        }
        guard let method = ControlMethod(rawValue: request.method) else {
            let known = ControlMethod.allCases.map(\.rawValue).joined(separator: ", ")
            let error = ControlError(.unknownMethod, "unknown method '\(request.method.prefix(64))'; known methods: \(known)")
            return ControlResponse<NoParams>.errorLine(id: request.id, refuse(caller, error, method: request.method))
        }
        // Access.swift's exhaustive switch decides; a method it does not list is refused to all.
        guard !method.allowedRoles.isDisjoint(with: caller.roles) else {
            let needed = method.allowedRoles.sorted().map(\.rawValue).joined(separator: " or ")
            let error = ControlError(.permissionDenied, "\(method.rawValue) needs the role \(needed); user \(caller.peer.username) holds \(caller.roleText) (\(access.value.summary))")
            return ControlResponse<NoParams>.errorLine(id: request.id, refuse(caller, error, method: method.rawValue))
        }
        let asked = ActionRequest(caller: caller, actor: Self.actor(caller), method: method)
        // One case per method, so that a method without an action does not compile; each
        // action gets only what it needs.
        let store = actions.store, labeling = actions.labeling
        switch method {
        case .status:
            let action = StatusAction(store: store, facts: actions.facts, queueDepth: actions.queueDepth, labeling: labeling)
            return run(action, line, request.id, asked)
        case .reports: return run(ReportsAction(store: store), line, request.id, asked)
        case .report: return run(ReportAction(store: store, labeling: labeling), line, request.id, asked)
        case .labels: return run(LabelsAction(store: store, labeling: labeling), line, request.id, asked)
        case .review: return run(ReviewAction(store: store, labeling: labeling), line, request.id, asked)
        case .reviewShow: return run(ReviewShowAction(store: store, labeling: labeling), line, request.id, asked)
        case .reviewResolve: return run(ReviewResolveAction(store: store, labeling: labeling), line, request.id, asked)
        case .quarantineList: return run(QuarantineListAction(store: store), line, request.id, asked)
        case .quarantineRetry: return run(QuarantineRetryAction(release: actions.release), line, request.id, asked)
        case .quarantinePurge: return run(QuarantinePurgeAction(release: actions.release), line, request.id, asked)
        case .auditList: return run(AuditListAction(store: store), line, request.id, asked)
        case .auditVerify: return run(AuditVerifyAction(store: store, checkpoints: actions.checkpoints), line, request.id, asked)
        case .auditExport: return run(AuditExportAction(store: store), line, request.id, asked)
        case .reload: return run(ReloadAction(reloader: actions.reloader), line, request.id, asked)
        case .keyRotate: return run(KeyRotateAction(store: store), line, request.id, asked)
        case .pseudonym: return run(PseudonymAction(store: store), line, request.id, asked)
        case .relabel: return run(RelabelAction(store: store, labeling: labeling), line, request.id, asked)
        case .exportLabels: return run(ExportLabelsAction(store: store, labeling: labeling), line, request.id, asked)
        case .exportInstruct: return run(ExportInstructAction(store: store, labeling: labeling), line, request.id, asked)
        case .goldSample: return run(GoldSampleAction(store: store, labeling: labeling), line, request.id, asked)
        case .goldImport: return run(GoldImportAction(store: store, labeling: labeling), line, request.id, asked)
        case .evaluate: return run(EvaluateAction(store: store, labeling: labeling), line, request.id, asked)
        case .backup: return run(BackupAction(store: store, backupDirectory: actions.backupDirectory), line, request.id, asked)
        case .purge: return run(PurgeAction(store: store), line, request.id, asked)
        case .metrics: return run(MetricsAction(metrics: actions.metrics), line, request.id, asked)
        }
    }

    // MARK: - One request

    private func run<A: ControlAction>(_ action: A, _ line: Data, _ id: Int, _ request: ActionRequest) -> Data {
        assert(A.Endpoint.method == request.method, "the switch wires \(request.method) to the action of \(A.Endpoint.method)")
        let plan: ActionPlan<A.Endpoint.Result>
        let params: A.Endpoint.Params
        do {
            params = try ControlRequest.params(of: A.Endpoint.self, from: line)
            plan = try action.prepare(params, for: request)
        } catch let error as ControlError {
            return ControlResponse<NoParams>.errorLine(id: id, refuse(request.caller, error, method: request.method.rawValue))
        } catch {
            // A read that decides validity failed (the store, not the request): audited as a failure.
            logger.error("control request failed", metadata: ["method": "\(request.method.rawValue)", "error": "\(error)"])
            let answer = Self.internalError
            _ = refuse(request.caller, answer, method: request.method.rawValue)
            return ControlResponse<NoParams>.errorLine(id: id, answer)
        }
        do {
            let result = try perform(plan, actor: request.actor)
            return ControlResponse(id: id, result: result).line()
        } catch let error as ControlError {
            return ControlResponse<NoParams>.errorLine(id: id, error)
        } catch StoreError.notFound {
            return ControlResponse<NoParams>.errorLine(id: id, ControlError(.notFound, action.notFoundMessage(params)))
        } catch {
            logger.error("control request failed", metadata: ["method": "\(request.method.rawValue)", "error": "\(error)"])
            return ControlResponse<NoParams>.errorLine(id: id, Self.internalError)
        }
    }

    static let internalError = ControlError(.internalError, "the request failed and was not answered (its audit record or read could not be completed); see raddd's log")

    /// Does the work in the transaction that writes its audit record; if either fails, nothing
    /// is answered and the failure is recorded in a transaction of its own.
    private func perform<R>(_ plan: ActionPlan<R>, actor: AuditActor) throws -> R {
        switch plan.audit {
        case .byTheWork:
            return try plan.work()
        case let .inTransaction(event, action, object, detail):
            do {
                return try store.database.transaction {
                    let result = try plan.work()
                    let recorded = detail.map { object + $0(result) } ?? object
                    try store.audit.append(event: event, action: action, outcome: .success, actor: actor, object: recorded)
                    return result
                }
            } catch {
                try store.database.transaction {
                    try store.audit.append(event: event, action: action, outcome: .minorFailure,
                                           outcomeText: ReportStore.auditText(for: error), actor: actor, object: object)
                }
                throw error
            }
        }
    }

    // MARK: - Refusals

    /// Writes the refusal's audit record and returns the refusal. A refusal stands even when its
    /// record cannot be written: nothing was done, and the failure is logged.
    private func refuse(_ caller: ControlCaller, _ error: ControlError, method: String?) -> ControlError {
        let peer = caller.peer
        let denied = error.code == .permissionDenied
        logger.notice("control request refused", metadata: ["uid": "\(peer.uid)", "pid": "\(peer.pid)", "code": "\(error.code.rawValue)"])
        do {
            try store.database.transaction {
                try store.audit.append(event: denied ? .securityAlert : .query, action: .execute,
                                       outcome: denied ? .denied : .minorFailure, outcomeText: error.code.rawValue,
                                       actor: Self.actor(caller), object: method.map { "method=\($0.prefix(64))" })
            }
        } catch {
            logger.critical("a refused control request could not be audited", metadata: ["error": "\(error)"])
        }
        return error
    }

    static func actor(_ caller: ControlCaller) -> AuditActor {
        AuditActor(uid: caller.peer.uid, username: caller.peer.username, pid: caller.peer.pid, role: caller.roleText)
    }
}
