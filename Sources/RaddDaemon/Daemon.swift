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

    /// Checks everything start-up would check, without listening or ingesting. Returns the lines to print.
    public static func checkConfiguration(_ configuration: DaemonConfiguration) throws -> [String] {
        var lines: [String] = []
        let cipher: String
        do { cipher = try Database.cipherVersion() } catch { throw StartupError(error) }
        lines.append("cipher: SQLCipher \(cipher)")
        let key: DatabaseKey
        do { key = try DatabaseKey.load(keyFile: configuration.keyFile) } catch { throw StartupError(error) }
        lines.append("key: \(ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"].map { $0 + "/db-key" } ?? configuration.keyFile) (256-bit raw key)")
        let deid = try deidPolicy(configuration)
        lines.append("de-identification: \(RuleDeidentifier(policy: deid).method) (policy \(configuration.deidPolicyPath ?? "built-in"))")
        if let group = configuration.socketGroup, let gid = try socketGroupID(configuration) {
            lines.append("socket: \(configuration.socketPath), mode 0660, group \(group) (gid \(gid))")
        } else {
            lines.append("socket: \(configuration.socketPath), mode 0666 (every attempt reaches raddd and is audited)")
        }
        let access = try accessPolicy(configuration)
        lines.append("access (\(configuration.effectiveAccessPolicyPath ?? "built-in")): "
                     + access.summary + "; root and uid \(getuid()) hold every role")
        for group in access.missingGroups { lines.append("warning: group \(group) does not exist; nobody holds its role until it is created") }
        lines.append("audit: source \(configuration.effectiveApplianceID), checkpoint every \(configuration.auditCheckpointSeconds) s to the log and \(configuration.auditCheckpointPath)")
        if FileManager.default.fileExists(atPath: configuration.databasePath) {
            do {
                let store = try ReportStore(path: configuration.databasePath, key: key, migrate: false)
                let version = try store.schemaVersion()
                let pending = version < ReportStore.supportedSchemaVersion
                    ? " (raddd migrates it to v\(ReportStore.supportedSchemaVersion) at start)" : ""
                lines.append("database: \(configuration.databasePath), schema v\(version)\(pending), key opens it")
                store.close()
            } catch { throw StartupError(error) }
        } else {
            lines.append("database: \(configuration.databasePath) (will be created)")
        }
        do { try configuration.checkFolders() } catch { throw StartupError(error) }
        for folder in configuration.folders {
            let archive = folder.archiveDirectory.map { ", originals archived to \($0)" } ?? ", originals deleted once stored"
            lines.append("folder \(folder.name): \(folder.path)" + (try directoryState(folder.path))
                         + ", format \(folder.formatDescription)\(archive)")
        }
        let quarantine = configuration.effectiveQuarantineDirectory
        lines.append("quarantine: \(quarantine)" + (try directoryState(quarantine)))
        for name in configuration.tasks {
            do {
                let task = try LabelTask.load(name, directories: configuration.taskDirectories)
                lines.append("task \(task.name): \(task.kind.rawValue), \(task.findings.count) finding\(task.findings.count == 1 ? "" : "s")"
                             + (task.version.map { ", version \($0)" } ?? ""))
            } catch { throw StartupError("task \(name): \(error)") }
        }
        if configuration.tasks.isEmpty { lines.append("labelling: off (no tasks)") }
        do { try configuration.checkLLMLists() } catch { throw StartupError(error) }
        for (index, endpoint) in configuration.llmEndpoints.enumerated() {
            let slots = configuration.llmConcurrency(endpoint: index)
            lines.append("model server: \(endpoint), model \(configuration.llmModel(endpoint: index) ?? "(the first it lists)"), "
                         + "\(slots) request\(slots == 1 ? "" : "s") in flight, timeout \(Int(configuration.llmTimeoutSeconds)) s, "
                         + "labeler \(configuration.llmLabeler(endpoint: index))")
        }
        if !configuration.tasks.isEmpty {
            let labelers = ["rules"] + configuration.llmLabelers
            lines.append("labelers: \(labelers.joined(separator: ", ")); final label: \(configuration.labelPolicy.rawValue)"
                         + (configuration.llmEndpoints.isEmpty ? " (rule labeler only: no llm_endpoint)" : ""))
        }
        return lines
    }

    /// The jobs every stored report gets: each task with the rule labeler, then with each LLM
    /// labeler, as LabelingService plans them. Worked out before the store opens, which takes
    /// them then; a task that cannot be loaded stops start-up.
    static func labelPlan(_ configuration: DaemonConfiguration) throws -> LabelPlan {
        var jobs: [(task: String, labeler: String)] = []
        for name in configuration.tasks {
            let task: LabelTask
            do { task = try LabelTask.load(name, directories: configuration.taskDirectories) } catch {
                throw StartupError("task \(name): \(error)")
            }
            jobs += (["rules"] + configuration.llmLabelers).map { (task.name, $0) }
        }
        return LabelPlan(jobs: jobs)
    }

    /// The policy file, or the built-in policy when none is configured; a bad file stops start-up.
    static func deidPolicy(_ configuration: DaemonConfiguration) throws -> DeidPolicy {
        do { return try configuration.deidPolicyPath.map(DeidPolicy.init(contentsOf:)) ?? DeidPolicy() } catch {
            throw StartupError(error)
        }
    }

    /// "" for a writable directory, a note when it will be created; throws when it cannot be used.
    static func directoryState(_ path: String) throws -> String {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw StartupError("\(path) exists and is not a directory") }
            guard access(path, W_OK | X_OK) == 0 else { throw StartupError("\(path) is not writable by uid \(getuid())") }
            return ""
        }
        // raddd creates missing parents too, so the nearest existing ancestor must be writable.
        var ancestor = (path as NSString).deletingLastPathComponent
        while access(ancestor, F_OK) != 0 && ancestor != "/" { ancestor = (ancestor as NSString).deletingLastPathComponent }
        guard access(ancestor, W_OK | X_OK) == 0 else {
            throw StartupError("\(path) does not exist and cannot be created in \(ancestor)")
        }
        return " (will be created)"
    }

    /// Runs until SIGTERM or SIGINT. Throws only for start-up failures.
    public func run() throws {
        let startedAt = Date()
        notifier.status("Starting")
        let signals = try SignalEvents()

        let cipherVersion: String
        do { cipherVersion = try Database.cipherVersion() } catch { throw StartupError(error) }
        let key: DatabaseKey
        do { key = try DatabaseKey.load(keyFile: configuration.keyFile) } catch { throw StartupError(error) }

        let deidPolicy = try Self.deidPolicy(configuration)
        let access = try Self.accessPolicy(configuration)
        do { try configuration.checkFolders() } catch { throw StartupError(error) }
        try makeDirectory(configuration.stateDirectory, mode: 0o700)
        for folder in configuration.folders { try makeDirectory(folder.path, mode: 0o770) }
        let labelPlan = try Self.labelPlan(configuration)
        let store: ReportStore
        do {
            store = try ReportStore(path: configuration.databasePath, key: key, applianceID: configuration.effectiveApplianceID,
                                    labelPlan: labelPlan)
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

        let labeling = try LabelingService(configuration: configuration, store: store, actor: actor)
        assert(labeling.plan == store.labelPlan, "the store queues the jobs the labelling service does")
        let deidentifier = RuleDeidentifier(policy: deidPolicy, pseudonymizer: store.pseudonymizer)
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
        let server = ControlServer(path: configuration.socketPath, socketGroupID: try Self.socketGroupID(configuration),
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
