import Control
import Foundation
import Labeling
import Logging
import RaddCore
import Store
import Synchronization

/// Settings that change while raddd runs: read by each request, replaced whole by a reload.
final class LiveSettings: Sendable {
    private let policy: Mutex<LabelPolicy>

    init(labelPolicy: LabelPolicy) {
        policy = Mutex(labelPolicy)
    }

    var labelPolicy: LabelPolicy {
        get { policy.withLock { $0 } }
        set { policy.withLock { $0 = newValue } }
    }
}

/// Reads the configuration again, on `raddctl reload` or SIGHUP. The access policy (the file
/// and its contents) and `label_policy` take effect at once; any other changed setting is named
/// as needing a restart. Nothing changes unless the new configuration and policy parse and their
/// `config_change` audit record is committed; a failed reload is audited too.
final class ConfigurationReloader: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Outcome {
        var policy: AccessPolicy
        var source: String
        var applied: [String]
        var needRestart: [String]
    }

    let access: CurrentAccessPolicy
    let live: LiveSettings
    private let started: DaemonConfiguration
    /// The configuration in force; held for a whole reload, so that two reloads never interleave.
    private let current: Mutex<DaemonConfiguration>
    private let reread: @Sendable () throws -> DaemonConfiguration
    private let store: ReportStore
    private let logger = Logger(label: "config")

    init(configuration: DaemonConfiguration, access: CurrentAccessPolicy, live: LiveSettings, store: ReportStore,
         reread: @escaping @Sendable () throws -> DaemonConfiguration) {
        started = configuration
        current = Mutex(configuration)
        self.access = access
        self.live = live
        self.store = store
        self.reread = reread
    }

    /// The access policy file in force, or "built-in".
    static func source(_ configuration: DaemonConfiguration) -> String {
        configuration.effectiveAccessPolicyPath ?? "built-in"
    }

    /// Logged when a policy takes effect, at start or on reload.
    static func warnOfMissingGroups(_ policy: AccessPolicy) {
        for group in policy.missingGroups {
            Logger(label: "access").warning("a group of the access policy does not exist; nobody holds its role until it is created",
                                            metadata: ["group": "\(group)"])
        }
    }

    @discardableResult
    func reload(actor: AuditActor) throws -> Outcome {
        try current.withLock { current in try reload(from: &current, actor: actor) }
    }

    private func reload(from current: inout DaemonConfiguration, actor: AuditActor) throws -> Outcome {
        let next: DaemonConfiguration
        let policy: AccessPolicy
        do {
            next = try reread()
            policy = try Daemon.accessPolicy(next)
        } catch {
            let message = "\(error)"
            logger.error("the configuration was not reloaded; the one in force stays", metadata: ["error": "\(message)"])
            try store.database.transaction {
                try store.audit.append(event: .configChange, action: .update, outcome: .minorFailure,
                                       outcomeText: String(message.prefix(300)), actor: actor, object: "reload")
            }
            throw Failure(description: "the configuration was not reloaded (\(message)); the one in force stays")
        }
        let changed = started.changedKeys(to: next)
        let needRestart = changed.filter { !DaemonConfiguration.reloadableKeys.contains($0) }
        let applied = ["access_policy"] + (next.labelPolicy != current.labelPolicy ? ["label_policy"] : [])
        var object = "reload access_policy=\(Self.source(next)) label_policy=\(next.labelPolicy.rawValue)"
        if !needRestart.isEmpty { object += " restart_needed=" + needRestart.joined(separator: ",") }
        try store.database.transaction {
            try store.audit.append(event: .configChange, action: .update, outcome: .success, outcomeText: nil, actor: actor,
                                   object: String((object + " " + policy.summary).prefix(600)))
        }
        access.replace(with: policy)
        live.labelPolicy = next.labelPolicy
        current = next
        logger.notice("configuration reloaded", metadata: ["applied": "\(applied.joined(separator: ","))",
                                                          "restartNeeded": "\(needRestart.joined(separator: ","))"])
        Self.warnOfMissingGroups(policy)
        return Outcome(policy: policy, source: Self.source(next), applied: applied, needRestart: needRestart)
    }
}
