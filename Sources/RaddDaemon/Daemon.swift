import Control
import Deid
import Foundation
import Ingest
import Labeling
import Logging
import RaddCore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// A start-up failure: one line for the operator, printed instead of a crash.
public struct StartupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    init(_ message: String) { self.message = message }
    init(_ error: Error) { message = "\(error)" }
}

/// raddd's lifecycle: fail closed at start, serve until SIGTERM, stop without losing a file.
public final class Daemon {
    private let configuration: DaemonConfiguration
    private let reread: @Sendable () throws -> DaemonConfiguration
    private let notifier = ServiceNotifier()
    private let logger = Logger(label: "daemon")

    /// `reread` gives the configuration again, from the file and the same flags, for a reload.
    public init(configuration: DaemonConfiguration, reread: (@Sendable () throws -> DaemonConfiguration)? = nil) {
        self.configuration = configuration
        self.reread = reread ?? { configuration }
    }

    /// Process-wide settings that must precede every thread and every file radd creates.
    public static func prepareProcess() {
        SignalEvents.blockHandledSignals()
        // Group may read what radd writes (quarantine reasons); others never.
        umask(0o027)
        // A core dump would hold report text in clear.
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(Int32(RLIMIT_CORE.rawValue), &noCore)
    }

    /// Checks everything start-up would check (`StartupChecks`), and that the key opens the
    /// database, without creating, listening or ingesting. Returns the lines to print.
    public static func checkConfiguration(_ configuration: DaemonConfiguration) throws -> [String] {
        var lines: [String] = []
        let findings = try StartupChecks.run(configuration) { lines.append($0) }
        if FileManager.default.fileExists(atPath: configuration.databasePath) {
            do {
                let store = try ReportStore(path: configuration.databasePath, key: findings.key, migrate: false)
                let version = try store.schemaVersion()
                let pending = version < ReportStore.supportedSchemaVersion
                    ? " (raddd migrates it to v\(ReportStore.supportedSchemaVersion) at start)" : ""
                lines.append("database: \(configuration.databasePath), schema v\(version)\(pending), key opens it")
                store.close()
            } catch { throw StartupError(error) }
        } else {
            lines.append("database: \(configuration.databasePath) (will be created)")
        }
        return lines
    }

    /// Runs until SIGTERM or SIGINT. Throws only for start-up failures.
    public func run() throws {
        let startedAt = Date()
        notifier.status("Starting")
        let signals = try SignalEvents()

        let checked = try StartupChecks.run(configuration)
        let cipherVersion = checked.cipherVersion
        let access = checked.access
        try makeDirectory(configuration.stateDirectory, mode: 0o700)
        for folder in configuration.folders { try makeDirectory(folder.path, mode: 0o770) }
        let store: ReportStore
        do {
            store = try ReportStore(path: configuration.databasePath, key: checked.key, applianceID: configuration.effectiveApplianceID,
                                    labelPlan: checked.labelPlan)
        } catch StoreError.wrongKey(let path) {
            let pending = configuration.keyFile + ".new"
            guard FileManager.default.fileExists(atPath: pending) else { throw StartupError(StoreError.wrongKey(path: path)) }
            throw StartupError("\(StoreError.wrongKey(path: path)); \(pending) exists: a key rotation did not finish, so the database is probably under that key (move it over \(configuration.keyFile))")
        } catch { throw StartupError(error) }
        let checkpoints = AuditCheckpoints(path: configuration.auditCheckpointPath)
        let currentAccess = CurrentAccessPolicy(access)
        let live = LiveSettings(labelPolicy: configuration.labelPolicy)
        let reloader = ConfigurationReloader(configuration: configuration, access: currentAccess, live: live, store: store,
                                             reread: reread)
        defer { store.close() }

        let sources: [IngestPipeline.Source]
        let quarantine: QuarantineFolder
        let watcher: InotifyWatcher
        do {
            sources = try configuration.folders.map { settings in
                IngestPipeline.Source(
                    folder: try DropFolder(path: settings.path, name: settings.name, archivePath: settings.archiveDirectory),
                    reader: settings.reader(maxFileBytes: configuration.maxFileBytes,
                                            maxReportsPerFile: configuration.maxReportsPerFile))
            }
            quarantine = try QuarantineFolder(path: configuration.effectiveQuarantineDirectory)
            watcher = try InotifyWatcher(paths: sources.map(\.folder.path))
        } catch { throw StartupError(error) }

        let actor = AuditActor(uid: getuid(), username: UserDatabase.username(uid: getuid()) ?? "uid:\(getuid())", pid: getpid())
        do {
            try store.database.transaction {
                try store.audit.append(event: .applicationStart, action: .execute, outcome: .success, actor: actor,
                                       object: "version=\(RaddVersion.string)")
            }
        } catch { throw StartupError("cannot write the start-up audit record: \(error)") }

        let labeling = try LabelingService(configuration: configuration, tasks: checked.tasks, store: store, actor: actor)
        assert(labeling.plan == store.labelPlan, "the store queues the jobs the labelling service does")
        let deidentifier = RuleDeidentifier(policy: checked.deidPolicy, pseudonymizer: store.pseudonymizer)
        // The lexicons are built once, here, before raddd says it is ready: built on the first
        // report instead, they would delay it by a second or more.
        deidentifier.prepare()
        let pipeline = IngestPipeline(sources: sources, quarantine: quarantine, deidentifier: deidentifier, store: store,
                                      actor: actor, settleTime: configuration.settleSeconds, onStored: { labeling.notify() })
        let actions = ControlActions(
            store: store,
            facts: .init(startedAt: startedAt, cipherVersion: cipherVersion, deidMethod: deidentifier.method, folders: configuration.folders),
            queueDepth: { pipeline.depth }, labeling: LabelingView(labeling: labeling, live: live),
            checkpoints: checkpoints, reloader: reloader, dropFolders: pipeline.folders, quarantine: quarantine)
        let server = ControlServer(path: configuration.socketPath, socketGroupID: checked.socketGroupID,
                                   responder: ControlDispatcher(store: store, access: currentAccess, actions: actions))
        do { try server.listen() } catch { throw StartupError(error) }

        do { try labeling.start() } catch { throw StartupError("cannot queue labelling work: \(error)") }
        pipeline.start()
        logger.notice("raddd started", metadata: [
            "version": "\(RaddVersion.string)", "schema": "\(ReportStore.supportedSchemaVersion)",
            "cipher": "\(cipherVersion)", "socket": "\(configuration.socketPath)",
        ])
        ConfigurationReloader.warnOfMissingGroups(access)
        notifier.ready(status: statusLine(store: store, pipeline: pipeline))

        checkpoints.write(from: store)
        mainLoop(signals: signals, watcher: watcher, pipeline: pipeline, store: store, checkpoints: checkpoints,
                 reload: { _ = try? reloader.reload(actor: actor) })

        notifier.stopping(status: "Stopping: finishing the file in flight")
        logger.notice("stopping")
        server.stop()
        pipeline.stop()
        labeling.stop()
        do {
            try store.database.transaction {
                try store.audit.append(event: .applicationStop, action: .execute, outcome: .success, actor: actor, object: nil)
            }
        } catch {
            logger.error("cannot write the shutdown audit record", metadata: ["error": "\(error)"])
        }
        checkpoints.write(from: store)
        logger.notice("raddd stopped")
    }

    private func mainLoop(signals: SignalEvents, watcher: InotifyWatcher, pipeline: IngestPipeline, store: ReportStore,
                          checkpoints: AuditCheckpoints, reload: () -> Void) {
        let watchdogInterval = notifier.watchdogInterval
        var nextWatchdog = Date()
        var nextRescan = Date().addingTimeInterval(TimeInterval(configuration.rescanIntervalSeconds))
        var nextStatus = Date().addingTimeInterval(1)
        var nextCheckpoint = Date().addingTimeInterval(TimeInterval(configuration.auditCheckpointSeconds))
        var descriptors = [
            pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: watcher.fileDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let now = Date()
            if let watchdogInterval, now >= nextWatchdog {
                notifier.watchdog()
                nextWatchdog = now.addingTimeInterval(watchdogInterval)
            }
            if now >= nextRescan {
                pipeline.enqueue(.rescan)
                nextRescan = now.addingTimeInterval(TimeInterval(configuration.rescanIntervalSeconds))
            }
            if now >= nextStatus {
                notifier.status(statusLine(store: store, pipeline: pipeline))
                nextStatus = now.addingTimeInterval(5)
            }
            if now >= nextCheckpoint {
                checkpoints.write(from: store)
                nextCheckpoint = now.addingTimeInterval(TimeInterval(configuration.auditCheckpointSeconds))
            }
            var deadline = min(nextRescan, nextStatus, nextCheckpoint)
            if watchdogInterval != nil { deadline = min(deadline, nextWatchdog) }
            let timeout = Int32(max(0, min(deadline.timeIntervalSinceNow * 1000, 60_000)).rounded(.up))
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0 && errno != EINTR { logger.error("poll failed", metadata: ["error": "\(SystemError("poll"))"]) }
            guard ready > 0 else { continue }
            if descriptors[0].revents != 0 {
                let received = signals.read()
                if received.contains(SIGTERM) || received.contains(SIGINT) { return }
                if received.contains(SIGHUP) {
                    logger.notice("SIGHUP: reloading the configuration and rescanning the drop folders")
                    reload()
                    pipeline.enqueue(.rescan)
                }
            }
            if descriptors[1].revents != 0 {
                do {
                    for event in try watcher.readEvents() {
                        switch event {
                        case .ready(let folder, let name): pipeline.enqueue(.file(.init(folder: folder, name: name)))
                        case .overflow:
                            logger.warning("inotify queue overflowed; rescanning the drop folders")
                            pipeline.enqueue(.rescan)
                        case .folderGone(let folder):
                            logger.critical("a drop folder was removed or unmounted; files dropped into it now are not seen until it is back and raddd restarts",
                                            metadata: ["folder": "\(configuration.folders[folder].name)"])
                        }
                    }
                } catch {
                    logger.error("cannot read inotify events", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private func statusLine(store: ReportStore, pipeline: IngestPipeline) -> String {
        let counts = (try? store.countsByState()) ?? [:]
        let stored = counts.filter { $0.key != "quarantined" }.values.reduce(0, +)
        return "Ready: \(stored) reports stored, \(counts["quarantined"] ?? 0) quarantined, \(pipeline.depth) queued"
    }

    /// The configured access policy, /etc/radd/access, or the built-in roles; a bad file stops start-up.
    static func accessPolicy(_ configuration: DaemonConfiguration) throws -> AccessPolicy {
        guard let path = configuration.effectiveAccessPolicyPath else { return AccessPolicy() }
        do { return try AccessPolicy(contentsOf: path) } catch { throw StartupError("\(error)") }
    }

    /// The socket group's id, nil when none is configured; a group that does not exist is an error.
    static func socketGroupID(_ configuration: DaemonConfiguration) throws -> UInt32? {
        guard let group = configuration.socketGroup else { return nil }
        guard let gid = UserDatabase.groupID(named: group) else {
            throw StartupError("socket_group '\(group)' does not exist (create it with: groupadd \(group))")
        }
        return gid
    }

    private func makeDirectory(_ path: String, mode: mode_t) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw StartupError("\(path) exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: Int(mode)])
        } catch {
            throw StartupError("cannot create directory \(path): \(SystemError("mkdir").description.replacingOccurrences(of: "mkdir: ", with: ""))")
        }
    }
}
