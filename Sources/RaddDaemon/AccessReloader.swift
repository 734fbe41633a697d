import Control
import Foundation
import Logging
import RaddCore
import Store

/// Re-reads the access policy, on `raddctl reload` or SIGHUP. The new policy takes over only once
/// its `config_change` audit record is committed; a file that does not parse leaves the policy in
/// force and is audited as a failed change.
final class AccessReloader: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let current: CurrentAccessPolicy
    private let configuration: DaemonConfiguration
    private let store: ReportStore
    private let logger = Logger(label: "access")
    private let lock = NSLock()

    init(current: CurrentAccessPolicy, configuration: DaemonConfiguration, store: ReportStore) {
        self.current = current
        self.configuration = configuration
        self.store = store
    }

    /// The file the policy comes from, or "built-in".
    var source: String {
        configuration.accessPolicyPath
            ?? (FileManager.default.fileExists(atPath: AccessPolicy.defaultPath) ? AccessPolicy.defaultPath : "built-in")
    }

    @discardableResult
    func reload(actor: AuditActor) throws -> AccessPolicy {
        lock.lock()
        defer { lock.unlock() }
        let source = self.source
        let object = "access_policy=\(source)"
        let policy: AccessPolicy
        do {
            policy = try Daemon.accessPolicy(configuration)
        } catch {
            let message = "\(error)"
            logger.error("the access policy was not reloaded; the one in force stays", metadata: ["policy": "\(source)", "error": "\(message)"])
            try store.database.transaction {
                try store.audit.append(event: .configChange, action: .update, outcome: .minorFailure,
                                       outcomeText: String(message.prefix(300)), actor: actor, object: object)
            }
            throw Failure(description: "the access policy was not reloaded (\(message)); the one in force stays")
        }
        try store.database.transaction {
            try store.audit.append(event: .configChange, action: .update, outcome: .success, outcomeText: nil, actor: actor,
                                   object: String((object + " " + policy.summary).prefix(500)))
        }
        current.replace(with: policy)
        logger.notice("access policy reloaded", metadata: ["policy": "\(source)"])
        for group in policy.missingGroups {
            logger.warning("a group of the access policy does not exist; nobody holds its role until it is created", metadata: ["group": "\(group)"])
        }
        return policy
    }
}
