import Deid
import Foundation
import Ingest
import Logging
import RaddCore
import Store

/// Moves dropped files through the stages: claim → read (Ingest) → de-identify (Deid) → commit
/// (Store) → remove the original. Runs on one worker thread so that files are committed in the
/// order they were claimed and a shutdown only ever has one file in flight.
final class IngestPipeline: @unchecked Sendable {
    enum Work: Hashable {
        case file(String)
        case rescan
    }

    private let dropFolder: DropFolder
    private let quarantine: QuarantineFolder
    private let reader: ReportReader
    private let deidentifier: Deidentifier
    private let store: ReportStore
    private let actor: AuditActor
    private let logger = Logger(label: "ingest")

    private let condition = NSCondition()
    private var queue: [Work] = []
    private var queued: Set<Work> = []
    private var busy = false
    private var stopRequested = false
    private var finished = false
    /// Set when a commit failed for a reason outside the file (disk full, I/O error); the next
    /// rescan retries the work area.
    private var workAreaNeedsRetry = false

    /// How long a file found by a scan (not announced by inotify) must stay unchanged before it
    /// is claimed: a scan cannot tell a finished file from one still being written.
    private let settleTime: TimeInterval

    init(dropFolder: DropFolder, quarantine: QuarantineFolder, reader: ReportReader,
         deidentifier: Deidentifier, store: ReportStore, actor: AuditActor, settleTime: TimeInterval) {
        self.settleTime = settleTime
        self.dropFolder = dropFolder
        self.quarantine = quarantine
        self.reader = reader
        self.deidentifier = deidentifier
        self.store = store
        self.actor = actor
    }

    /// Files waiting or in flight: what `raddctl status` shows as queue depth.
    var depth: Int {
        condition.lock(); defer { condition.unlock() }
        return queued.filter { if case .file = $0 { return true } else { return false } }.count + (busy ? 1 : 0)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "ingest"
        thread.start()
    }

    func enqueue(_ work: Work) {
        condition.lock(); defer { condition.unlock() }
        guard !stopRequested, !queued.contains(work) else { return }
        queue.append(work)
        queued.insert(work)
        condition.signal()
    }

    /// Lets the file in flight finish and returns once the worker has stopped. Files not yet
    /// claimed stay in the drop folder for the next start.
    func stop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func next() -> Work? {
        condition.lock(); defer { condition.unlock() }
        busy = false
        while queue.isEmpty && !stopRequested { condition.wait() }
        guard !stopRequested else { return nil }
        let work = queue.removeFirst()
        queued.remove(work)
        busy = true
        return work
    }

    private func run() {
        recoverWorkArea()
        scan()
        while let work = next() {
            switch work {
            case .file(let name): claimAndProcess(name)
            case .rescan:
                if takeRetryFlag() { recoverWorkArea() }
                scan()
            }
        }
        condition.lock()
        busy = false
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func takeRetryFlag() -> Bool {
        condition.lock(); defer { condition.unlock() }
        defer { workAreaNeedsRetry = false }
        return workAreaNeedsRetry
    }

    private var shouldStop: Bool {
        condition.lock(); defer { condition.unlock() }
        return stopRequested
    }

    /// Finishes files claimed before a crash or a failed commit, before anything new is taken.
    func recoverWorkArea() {
        do {
            let claimed = try dropFolder.claimedFiles()
            if !claimed.isEmpty { logger.notice("recovering claimed files", metadata: ["count": "\(claimed.count)"]) }
            for file in claimed where !shouldStop { process(file) }
        } catch {
            logger.error("cannot list the work area", metadata: ["error": "\(error)"])
        }
    }

    /// Claims what a scan finds once it has been still for the settle time. Files written too
    /// recently are looked at again after one settle period; one still changing then is left for
    /// its IN_CLOSE_WRITE or the next rescan.
    private func scan() {
        let names: [String]
        do { names = try dropFolder.waitingFiles() } catch {
            logger.error("cannot scan the drop folder", metadata: ["error": "\(error)"])
            return
        }
        var recent: [(name: String, state: DropFolder.FileState)] = []
        for name in names where !shouldStop {
            guard let state = dropFolder.state(of: name) else { continue }
            if state.age >= settleTime { claimAndProcess(name) } else { recent.append((name, state)) }
        }
        guard !recent.isEmpty, pause(settleTime) else { return }
        for (name, before) in recent where !shouldStop {
            guard let now = dropFolder.state(of: name), now.isUnchanged(since: before) else { continue }
            claimAndProcess(name)
        }
    }

    /// Waits, but returns false at once when a stop is requested.
    private func pause(_ seconds: TimeInterval) -> Bool {
        condition.lock(); defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(seconds)
        while !stopRequested && Date() < deadline { _ = condition.wait(until: deadline) }
        return !stopRequested
    }

    private func claimAndProcess(_ name: String) {
        guard DropFolder.isCandidate(name) else { return }
        do {
            guard let claimed = try dropFolder.claim(name) else { return }
            process(claimed)
        } catch {
            logger.error("cannot claim a dropped file", metadata: ["error": "\(error)"])
        }
    }

    func process(_ claimed: ClaimedFile) {
        let claim: Logger.Metadata.Value = "\(claimed.claimID)"
        do {
            switch try store.settlement(claimID: claimed.claimID) {
            case .stored:
                try dropFolder.remove(claimed)
                return
            case .quarantined(let reason):
                try quarantine.place(claimed, reason: reason)
                return
            case nil:
                break
            }
            let started = Date()
            let reports = try reader.read(claimed)
            var ids: [Int64] = []
            try store.database.transaction {
                for report in reports {
                    let clean = try deidentifier.deidentify(report)
                    ids.append(try store.store(clean.report, deidMethod: clean.method, actor: actor))
                }
            }
            try dropFolder.remove(claimed)
            logger.info("stored report", metadata: [
                "claim": claim, "report": "\(ids.map(String.init).joined(separator: ","))",
                "bytes": "\(reports.map(\.source.byteCount).reduce(0, +))",
                "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
            ])
        } catch let problem as IngestError {
            quarantine(claimed, reason: problem.reason(fileName: claimed.originalName), code: problem.code)
        } catch {
            // Not the file's fault (disk full, store unavailable): it stays claimed and is retried.
            markForRetry()
            logger.error("could not commit; the file stays in the work area and will be retried",
                         metadata: ["claim": claim, "error": "\(error)"])
        }
    }

    /// The quarantine record is committed (with its audit record) before the file moves, so a crash
    /// in between is finished by recovery instead of mistaking the file for new.
    private func quarantine(_ claimed: ClaimedFile, reason: String, code: String) {
        do {
            try store.quarantine(claimID: claimed.claimID, sourceName: claimed.originalName, reason: reason, actor: actor)
            try quarantine.place(claimed, reason: reason)
            logger.warning("quarantined a dropped file", metadata: ["claim": "\(claimed.claimID)", "reason": "\(code)"])
        } catch {
            markForRetry()
            logger.error("could not quarantine; the file stays in the work area and will be retried",
                         metadata: ["claim": "\(claimed.claimID)", "error": "\(error)"])
        }
    }

    private func markForRetry() {
        condition.lock(); defer { condition.unlock() }
        workAreaNeedsRetry = true
    }
}
