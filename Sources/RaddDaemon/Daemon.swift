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

    /// `raddd --restore FILE`, with raddd stopped: takes the instance lock (so a running raddd
    /// refuses it), verifies the copy, keeps the database it replaces beside it, puts the copy
    /// in place, migrates it if it is older (backing it up first) and audits the restore in
    /// the restored database. Returns the lines to print.
    public static func restore(_ configuration: DaemonConfiguration, from backup: String) throws -> [String] {
        var info = stat()
        guard stat(configuration.stateDirectory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw StartupError("the state directory \(configuration.stateDirectory) does not exist; install radd (or create it, owned by raddd's user) before restoring")
        }
        let lock = try InstanceLock(stateDirectory: configuration.stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        let key: DatabaseKey
        do { key = try DatabaseKey.load(keyFile: configuration.keyFile) } catch { throw StartupError(error) }
        let backups = configuration.backupDirectory
        if stat(backups, &info) != 0 {
            guard mkdir(backups, 0o700) == 0 else { throw StartupError("cannot create \(backups): \(String(cString: strerror(errno)))") }
            var directory = stat()
            if geteuid() == 0, stat(configuration.stateDirectory, &directory) == 0 { chown(backups, directory.st_uid, directory.st_gid) }
        }
        let actor = AuditActor(uid: getuid(), username: UserDatabase.username(uid: getuid()) ?? "uid:\(getuid())", pid: getpid())
        let path = backup.hasPrefix("/") ? backup : FileManager.default.currentDirectoryPath + "/" + backup
        let result: RestoreResult
        do {
            result = try DatabaseRestore.restore(backup: path, databasePath: configuration.databasePath, key: key, actor: actor,
                                                 applianceID: configuration.effectiveApplianceID, backupDirectory: backups)
        } catch { throw StartupError("nothing was restored: \(error)") }
        var lines = ["verified \(path): sha256 \(result.backup.sha256), schema v\(result.backup.counts.schemaVersion), audit chain intact"]
        // The checkpoints name records of the database just replaced, which the restored copy
        // (older) does not have: kept beside it, they would make `audit verify` report the
        // restore as a cut-off tail. The journal keeps its copies of them either way.
        let checkpoints = configuration.auditCheckpointPath
        if access(checkpoints, F_OK) == 0 {
            let aside = checkpoints + ".replaced-" + DatabaseRestore.fileStamp(Date())
            if rename(checkpoints, aside) == 0 {
                lines.append("the audit checkpoints of the replaced database are kept as \(aside)")
            } else {
                lines.append("warning: could not move \(checkpoints) aside (\(String(cString: strerror(errno)))); move it before starting raddd, or audit verify will report the restore")
            }
        }
        if let replaced = result.replacedPath {
            lines.append("the database it replaced is kept as \(replaced)")
        }
        if let migrated = result.migrationBackup {
            lines.append("migrated to schema v\(result.restored.schemaVersion); the copy before the migration is \(migrated)")
        }
        lines.append("restored \(configuration.databasePath): \(result.restored.summary)")
        lines.append("audited as restore in the restored database; start raddd (systemctl start raddd), then check: raddctl audit verify")
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
        // Before the database or any drop folder is touched: a second raddd must change nothing.
        let instanceLock = try InstanceLock(stateDirectory: configuration.stateDirectory)
        defer { withExtendedLifetime(instanceLock) {} }
        for folder in configuration.folders { try makeDirectory(folder.path, mode: 0o770) }
        try makeDirectory(configuration.backupDirectory, mode: 0o700)
        removeUnfinishedBackups()
        let store: ReportStore
        do {
            store = try ReportStore(path: configuration.databasePath, key: checked.key, applianceID: configuration.effectiveApplianceID,
                                    labelPlan: checked.labelPlan, backupDirectory: configuration.backupDirectory)
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
                                            maxReportsPerFile: configuration.maxReportsPerFile),
                    language: settings.effectiveLanguage)
            }
            quarantine = try QuarantineFolder(path: configuration.effectiveQuarantineDirectory)
            watcher = try InotifyWatcher(paths: sources.map(\.folder.path))
        } catch { throw StartupError(error) }

        let actor = AuditActor(uid: getuid(), username: UserDatabase.username(uid: getuid()) ?? "uid:\(getuid())", pid: getpid())
        do {
            try store.database.transaction {
                try store.audit.append(event: .applicationStart, action: .execute, outcome: .success, actor: actor,
                                       object: "version=\(RaddVersion.string)")
                if let automatic = store.migrationBackup {
                    try store.audit.append(event: .backup, action: .execute, outcome: .success, actor: actor,
                                           object: automatic.auditObject(reason: "before migrating the schema"))
                }
            }
        } catch { throw StartupError("cannot write the start-up audit record: \(error)") }
        if let automatic = store.migrationBackup {
            logger.notice("the database was backed up before its schema was migrated",
                          metadata: ["file": "\(automatic.destination)", "sha256": "\(automatic.sha256)"])
        }

        let labeling = try LabelingService(configuration: configuration, tasks: checked.tasks, store: store, actor: actor)
        assert(labeling.plan == store.labelPlan, "the store queues the jobs the labelling service does")
        do {
            _ = try store.database.transaction { try labeling.refreshChoice(actor: actor, because: "start") }
        } catch { throw StartupError("cannot work out the label choice from the stored gold: \(error)") }
        let deidentifier = RuleDeidentifier(policy: checked.deidPolicy, pseudonymizer: store.pseudonymizer)
        // The lexicons are built once, here, before raddd says it is ready: built on the first
        // report instead, they would delay it by a second or more.
        deidentifier.prepare()
        let pipeline = IngestPipeline(sources: sources, quarantine: quarantine, deidentifier: deidentifier, store: store,
                                      actor: actor, settleTime: configuration.settleSeconds, onStored: { labeling.notify() })
        let metrics = DaemonMetrics(store: store, queueDepth: { pipeline.depth }, labeling: labeling, checkpoints: checkpoints,
                                    startedAt: startedAt)
        let actions = ControlActions(
            store: store,
            facts: .init(startedAt: startedAt, cipherVersion: cipherVersion, deidMethod: deidentifier.method, folders: configuration.folders),
            queueDepth: { pipeline.depth }, labeling: LabelingView(labeling: labeling, live: live),
            checkpoints: checkpoints, reloader: reloader, dropFolders: pipeline.folders, quarantine: quarantine,
            backupDirectory: configuration.backupDirectory, metrics: metrics)
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
        let retention = configuration.retentionDays.map { RetentionSweep(store: store, days: $0, actor: actor) }
        mainLoop(signals: signals, watcher: watcher, pipeline: pipeline, store: store, checkpoints: checkpoints,
                 metrics: metrics, retention: retention, reload: { _ = try? reloader.reload(actor: actor) })

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
                          checkpoints: AuditCheckpoints, metrics: DaemonMetrics, retention: RetentionSweep?, reload: () -> Void) {
        // The metrics file is written at once (a collector should not see an old one) and then
        // every interval; the retention sweep runs at start and then once a day.
        var nextMetrics = Date()
        var nextRetention = Date()
        var metricsFileFailing = false
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
            if let path = configuration.metricsFile, now >= nextMetrics {
                do {
                    try metrics.write(to: path)
                    if metricsFileFailing { logger.notice("the metrics file is written again", metadata: ["path": "\(path)"]) }
                    metricsFileFailing = false
                } catch {
                    // Said once, not every interval: a full disk must not flood the journal.
                    if !metricsFileFailing { logger.error("cannot write the metrics file", metadata: ["path": "\(path)", "error": "\(error)"]) }
                    metricsFileFailing = true
                }
                nextMetrics = now.addingTimeInterval(TimeInterval(configuration.metricsIntervalSeconds))
            }
            if let retention, now >= nextRetention {
                retention.run(now: now)
                nextRetention = now.addingTimeInterval(RetentionSweep.interval)
            }
            var deadline = min(nextRescan, nextStatus, nextCheckpoint)
            if configuration.metricsFile != nil { deadline = min(deadline, nextMetrics) }
            if retention != nil { deadline = min(deadline, nextRetention) }
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

    /// A copy killed half-way leaves `NAME.partial` in the backups folder; it holds a
    /// database's pages (encrypted) and nothing finishes it, so it goes.
    private func removeUnfinishedBackups() {
        let folder = configuration.backupDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(DatabaseBackup.partialSuffix) {
            if unlink(folder + "/" + name) == 0 {
                logger.notice("removed an unfinished backup", metadata: ["file": "\(folder)/\(name)"])
            }
        }
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
