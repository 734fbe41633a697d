import Control
import Foundation
import Logging
import RaddCore
import Store

/// `audit.verify`: walks the audit chain and checks it against raddd's checkpoints and any the
/// caller brings (from the journal or a remote syslog).
struct AuditVerifyAction: ControlAction {
    typealias Endpoint = Endpoints.AuditVerify
    let store: ReportStore
    let checkpoints: AuditCheckpoints
    private let logger = Logger(label: "control")

    init(store: ReportStore, checkpoints: AuditCheckpoints) {
        self.store = store
        self.checkpoints = checkpoints
    }

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<AuditVerification> {
        var extra: [AuditCheckpoint] = []
        for text in params.checkpoints ?? [] {
            guard let checkpoint = AuditCheckpoints.parse(argument: text) else {
                throw ControlError(.badRequest, "a checkpoint is SEQ:HASH (a record number and its 64-digit SHA-256), not '\(text.prefix(80))'")
            }
            extra.append(checkpoint)
        }
        return ActionPlan(.inTransaction(.auditLogUsed, .execute, object: "audit verify checkpoints=\(extra.count)")) { [self] in
            var found = try store.audit.verify(checkpoints: try checkpoints.all() + extra)
            if !found.intact {
                logger.critical("the audit log failed verification", metadata: ["firstBadSeq": "\(found.firstBadSeq ?? 0)"])
            }
            found.checkpointFile = checkpoints.path
            return found
        }
    }
}
