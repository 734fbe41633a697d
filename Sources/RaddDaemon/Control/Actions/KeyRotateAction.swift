import Control
import Foundation
import Logging
import RaddCore
import Store

/// `key.rotate`: re-encrypts the database under a new key. The intent is audited first (nothing
/// happens if it cannot be), then the outcome. SQLCipher re-keys every page in one transaction,
/// so a failure or a crash leaves the old key valid. The key is never logged or audited.
struct KeyRotateAction: ControlAction {
    typealias Endpoint = Endpoints.KeyRotate
    let store: ReportStore
    private let logger = Logger(label: "control")

    init(store: ReportStore) {
        self.store = store
    }

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<KeyRotateResult> {
        guard let hex = params.key, let key = try? DatabaseKey(hex: hex) else {
            throw ControlError(.badRequest, "key.rotate needs params.key, the new key as 64 hex digits")
        }
        return ActionPlan(.byTheWork) { [self] in try rotate(to: key, actor: request.actor) }
    }

    private func rotate(to key: DatabaseKey, actor: AuditActor) throws -> KeyRotateResult {
        let object = "database=\((store.database.path as NSString).lastPathComponent)"
        try store.database.transaction {
            try store.audit.append(event: .keyRotation, action: .update, outcome: .success, outcomeText: "started", actor: actor, object: object)
        }
        let started = Date()
        do {
            try store.database.rekey(to: key)
        } catch {
            logger.error("re-keying the database failed; the old key still opens it", metadata: ["error": "\(error)"])
            try? store.database.transaction {
                try store.audit.append(event: .keyRotation, action: .update, outcome: .seriousFailure,
                                       outcomeText: "failed; the old key still opens the database", actor: actor, object: object)
            }
            throw ControlError(.unavailable, "re-keying the database failed, and the old key still opens it: \(error)")
        }
        let seconds = Date().timeIntervalSince(started)
        logger.notice("database re-keyed", metadata: ["seconds": "\(String(format: "%.1f", seconds))"])
        do {
            try store.database.transaction {
                try store.audit.append(event: .keyRotation, action: .update, outcome: .success, outcomeText: "done", actor: actor, object: object)
            }
        } catch {
            // The key has changed: the caller must still learn it, or the database is lost to them.
            logger.error("the database was re-keyed but its completion audit record could not be written", metadata: ["error": "\(error)"])
        }
        return KeyRotateResult(rotatedAt: Timestamp.string(Date()), seconds: seconds)
    }
}
