import Deid
import Foundation
import Ingest
import Logging
import RaddCore
import Store
import Synchronization

/// Moves dropped files through the stages: settle → claim → read (Ingest) → de-identify (Deid) →
/// commit (Store) → remove or archive the original. Runs on one worker thread so that files are
/// committed in the order they were claimed and a shutdown only ever has one file in flight.
final class IngestPipeline: Sendable {
    /// A file in one of the watched folders, by the folder's index.
    struct Candidate: Hashable {
        var folder: Int
        var name: String
    }

    enum Work: Hashable {
        /// inotify saw the file closed or renamed in.
        case file(Candidate)
        case rescan
    }

    /// One watched folder and how its files are read.
    struct Source {
        var folder: DropFolder
        var reader: ReportReader
        /// The folder's `language`: every report's, or detected per report.
        var language: LanguageSetting = .fixed(.en)
    }

    private let sources: [Source]
    private let quarantine: QuarantineFolder
    private let deidentifier: Deidentifier
    private let store: ReportStore
    private let actor: AuditActor
    private let logger = Logger(label: "ingest")

    /// The worker's queue and flags, shared with the threads that enqueue, stop and ask the depth.
    private struct Queue {
        var work: [Work] = []
        var queued: Set<Work> = []
        /// Files seen but not yet still for the settle time, with their size and mtime when seen
        /// and when to look again.
        var settling: [Candidate: (state: DropFolder.FileState, due: Date)] = [:]
        var busy = false
        var stopRequested = false
        var finished = false
        /// Set when a commit failed for a reason outside the file (disk full, I/O error); the
        /// next rescan retries the work area.
        var workAreaNeedsRetry = false
    }
    private let queue = Mutex(Queue())
    /// Where the worker and `stop` sleep. A change they wait for is made while holding it, so
    /// that no wake-up is lost; it is taken before `queue`, never after.
    private let wakeup = NSCondition()

    /// How long a file's size and mtime must stay unchanged before it is claimed: a writer may
    /// close and reopen a file (SMB, NFS, some FTP servers), and a scan cannot tell a finished
    /// file from one still being written.
    private let settleTime: TimeInterval
    /// Called after a commit stored new reports (their labelling jobs are committed with them).
    private let onStored: @Sendable () -> Void

    init(sources: [Source], quarantine: QuarantineFolder, deidentifier: Deidentifier, store: ReportStore,
         actor: AuditActor, settleTime: TimeInterval, onStored: @escaping @Sendable () -> Void = {}) {
        self.sources = sources
        self.quarantine = quarantine
        self.deidentifier = deidentifier
        self.store = store
        self.actor = actor
        self.settleTime = settleTime
        self.onStored = onStored
    }

    var folders: [DropFolder] { sources.map(\.folder) }

    /// Files waiting or in flight: what `raddctl status` shows as queue depth.
    var depth: Int {
        queue.withLock { queue in
            let announced = queue.queued.filter {
                if case .file(let candidate) = $0 { return queue.settling[candidate] == nil } else { return false }
            }
            return announced.count + queue.settling.count + (queue.busy ? 1 : 0)
        }
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "ingest"
        thread.start()
    }

    func enqueue(_ work: Work) {
        wakeup.lock(); defer { wakeup.unlock() }
        let added = queue.withLock { queue in
            guard !queue.stopRequested, queue.queued.insert(work).inserted else { return false }
            queue.work.append(work)
            return true
        }
        if added { wakeup.signal() }
    }

    /// Lets the file in flight finish and returns once the worker has stopped. Files not yet
    /// claimed stay in their drop folder for the next start.
    func stop() {
        wakeup.lock()
        queue.withLock { $0.stopRequested = true }
        wakeup.broadcast()
        while !queue.withLock({ $0.finished }) { wakeup.wait() }
        wakeup.unlock()
    }

    private enum Next {
        case work(Work)
        case settled(Candidate, DropFolder.FileState)
    }

    private enum Step {
        case next(Next)
        case sleep(until: Date?)
        case stop
    }

    /// The next queued work, or a settling file whose time has come, whichever is first.
    private func next() -> Next? {
        wakeup.lock(); defer { wakeup.unlock() }
        queue.withLock { $0.busy = false }
        while true {
            let step = queue.withLock { queue -> Step in
                if queue.stopRequested { return .stop }
                if !queue.work.isEmpty {
                    let work = queue.work.removeFirst()
                    queue.queued.remove(work)
                    queue.busy = true
                    return .next(.work(work))
                }
                guard let (candidate, entry) = queue.settling.min(by: { $0.value.due < $1.value.due }) else { return .sleep(until: nil) }
                guard entry.due <= Date() else { return .sleep(until: entry.due) }
                queue.settling.removeValue(forKey: candidate)
                queue.busy = true
                return .next(.settled(candidate, entry.state))
            }
            switch step {
            case .next(let next): return next
            case .stop: return nil
            case .sleep(let due?): _ = wakeup.wait(until: due)
            case .sleep(nil): wakeup.wait()
            }
        }
    }

    private func run() {
        recoverWorkAreas()
        scan()
        while let next = next() {
            switch next {
            case .work(.file(let candidate)): consider(candidate)
            case .work(.rescan):
                if takeRetryFlag() { recoverWorkAreas() }
                scan()
            case .settled(let candidate, let before): settled(candidate, before: before)
            }
        }
        wakeup.lock()
        queue.withLock { queue in
            queue.busy = false
            queue.finished = true
        }
        wakeup.broadcast()
        wakeup.unlock()
    }

    private func takeRetryFlag() -> Bool {
        queue.withLock { queue in
            defer { queue.workAreaNeedsRetry = false }
            return queue.workAreaNeedsRetry
        }
    }

    private var shouldStop: Bool { queue.withLock { $0.stopRequested } }

    /// Finishes files claimed before a crash or a failed commit, before anything new is taken.
    func recoverWorkAreas() {
        for source in sources where !shouldStop {
            do {
                let claimed = try source.folder.claimedFiles()
                if !claimed.isEmpty {
                    logger.notice("recovering claimed files", metadata: ["folder": "\(source.folder.name)", "count": "\(claimed.count)"])
                }
                for file in claimed where !shouldStop { process(file, from: source) }
            } catch {
                logger.error("cannot list the work area", metadata: ["folder": "\(source.folder.name)", "error": "\(error)"])
            }
        }
    }

    /// Everything a scan finds goes through the same settle check as an inotify event.
    private func scan() {
        for (index, source) in sources.enumerated() where !shouldStop {
            do {
                for name in try source.folder.waitingFiles() { consider(Candidate(folder: index, name: name)) }
            } catch {
                logger.error("cannot scan the drop folder", metadata: ["folder": "\(source.folder.name)", "error": "\(error)"])
            }
        }
    }

    /// Claims a file whose size and mtime have not changed for the settle time; anything younger
    /// is looked at again when it would be old enough.
    private func consider(_ candidate: Candidate) {
        guard DropFolder.isCandidate(candidate.name),
              let state = sources[candidate.folder].folder.state(of: candidate.name) else { return }
        // A file dated in the future (a writer's clock ahead of ours) waits one settle time, no more.
        let wait = min(settleTime - state.age, settleTime)
        if wait <= 0 {
            claimAndProcess(candidate)
        } else {
            // Only this worker adds settling files, so it need not be woken for one.
            queue.withLock { $0.settling[candidate] = (state, Date().addingTimeInterval(wait)) }
        }
    }

    private func settled(_ candidate: Candidate, before: DropFolder.FileState) {
        guard let now = sources[candidate.folder].folder.state(of: candidate.name) else { return }
        if now.isUnchanged(since: before) {
            claimAndProcess(candidate)
        } else {
            consider(candidate)
        }
    }

    private func claimAndProcess(_ candidate: Candidate) {
        let source = sources[candidate.folder]
        do {
            guard let claimed = try source.folder.claim(candidate.name) else { return }
            process(claimed, from: source)
        } catch {
            logger.error("cannot claim a dropped file", metadata: ["folder": "\(source.folder.name)", "error": "\(error)"])
        }
    }

    func process(_ claimed: ClaimedFile, from source: Source) {
        let claim: Logger.Metadata.Value = "\(claimed.claimID)"
        do {
            switch try store.settlement(claimID: claimed.claimID) {
            case .stored:
                try placeParts(try store.pendingParts(ofClaim: claimed.claimID), of: claimed)
                try source.folder.finish(claimed)
                return
            case .quarantined(let reason, let fileName):
                try quarantine.place(claimed, as: fileName ?? quarantineName(for: claimed), reason: reason)
                return
            case nil:
                break
            }
            let started = Date()
            let read = try source.reader.read(claimed)
            let file = IngestedFile(claimID: claimed.claimID, folder: source.folder.name, sourceName: claimed.originalName,
                                    format: read.format, byteCount: read.byteCount, sha256: read.sha256, notes: read.notes)
            if let original = try store.settledFile(sha256: read.sha256) {
                try store.commitDuplicate(file, of: original, actor: actor)
                try source.folder.finish(claimed)
                logger.info("duplicate file: nothing stored", metadata: ["claim": claim, "duplicate_of": "\(original)"])
                return
            }
            // The language is set before de-identification, which reads it (German dates, names
            // and addresses are found by German evidence), and is stored with the report.
            let clean = try read.reports.map { report in
                var report = report
                report.language = source.language.language(of: report.text)
                return try deidentifier.deidentify(report)
            }
            let parts = try quarantinedParts(read.failedParts, of: claimed)
            let outcome = try store.commit(file, reports: clean, quarantinedParts: parts, actor: actor)
            if !outcome.stored.isEmpty { onStored() }
            try placeParts(parts, of: claimed)
            try source.folder.finish(claimed)
            var metadata: Logger.Metadata = [
                "claim": claim, "folder": "\(source.folder.name)",
                "report": "\(outcome.stored.map(String.init).joined(separator: ","))",
                "bytes": "\(read.byteCount)", "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
            ]
            if !outcome.unchanged.isEmpty { metadata["unchanged"] = "\(outcome.unchanged.count)" }
            if !outcome.superseded.isEmpty { metadata["superseded"] = "\(outcome.superseded.map(String.init).joined(separator: ","))" }
            if !read.notes.isEmpty { metadata["notes"] = "\(read.notes.count)" }
            if !parts.isEmpty { metadata["quarantined_parts"] = "\(parts.count)" }
            logger.info("stored reports", metadata: metadata)
            for (part, failed) in zip(parts, read.failedParts) {
                logger.warning("quarantined a part of a dropped file",
                               metadata: ["claim": "\(part.claimID)", "reason": "\(failed.error.code)"])
            }
            // The notes hold line numbers only, so they may be logged.
            for note in read.notes { logger.warning("file stored with a note", metadata: ["claim": claim, "note": "\(note)"]) }
        } catch let problem as IngestError {
            quarantine(claimed, from: source, reason: problem.reason(fileName: claimed.originalName), code: problem.code)
        } catch {
            // Not the file's fault (disk full, store unavailable): it stays claimed and is retried.
            markForRetry()
            logger.error("could not commit; the file stays in the work area and will be retried",
                         metadata: ["claim": claim, "error": "\(error)"])
        }
    }

    /// Each failed part gets its own name in the quarantine folder, chosen before the commit that
    /// records it, like a whole file's.
    private func quarantinedParts(_ failed: [FailedPart], of claimed: ClaimedFile) throws -> [QuarantinedPart] {
        var chosen = Set<String>()
        return try failed.map { part in
            let claimID = "\(claimed.claimID)#\(part.location.tag)"
            let sourceName = part.fileName(partOf: claimed.originalName)
            let name = try quarantine.name(original: sourceName, claimID: claimID) {
                try chosen.contains($0) || store.quarantineNameHeld($0)
            }
            chosen.insert(name)
            return QuarantinedPart(claimID: claimID, sourceName: sourceName, fileName: name,
                                   reason: part.located.reason(fileName: claimed.originalName), reasonCode: part.located.code,
                                   bytes: part.bytes)
        }
    }

    /// Writes the parts recorded with a file's commit into the quarantine folder, then drops their
    /// bytes from the store. After a crash the same parts come from the store again (`pendingParts`)
    /// and are written once more under the same names.
    private func placeParts(_ parts: [QuarantinedPart], of claimed: ClaimedFile) throws {
        guard !parts.isEmpty else { return }
        for part in parts { try quarantine.placePart(part.bytes, as: part.fileName, reason: part.reason) }
        try store.partsPlaced(ofClaim: claimed.claimID)
    }

    private func quarantineName(for claimed: ClaimedFile) throws -> String {
        try quarantine.name(for: claimed) { try store.quarantineNameHeld($0) }
    }

    /// The quarantine record is committed (with its audit record and the file's name-to-be) before
    /// the file moves, so a crash in between is finished by recovery instead of mistaking the file
    /// for new.
    private func quarantine(_ claimed: ClaimedFile, from source: Source, reason: String, code: String) {
        do {
            let name = try quarantineName(for: claimed)
            try store.quarantine(claimID: claimed.claimID, folder: source.folder.name, sourceName: claimed.originalName,
                                 fileName: name, reason: reason, reasonCode: code, actor: actor)
            try quarantine.place(claimed, as: name, reason: reason)
            logger.warning("quarantined a dropped file", metadata: ["claim": "\(claimed.claimID)", "reason": "\(code)"])
        } catch {
            markForRetry()
            logger.error("could not quarantine; the file stays in the work area and will be retried",
                         metadata: ["claim": "\(claimed.claimID)", "error": "\(error)"])
        }
    }

    private func markForRetry() {
        queue.withLock { $0.workAreaNeedsRetry = true }
    }
}
