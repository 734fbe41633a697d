import ArgumentParser
import Control
import Foundation

struct RelabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relabel",
        abstract: "Label stored reports again with one labeler, e.g. after a new model or prompt (admin role).",
        discussion: """
            raddd queues a job per selected report; its labelling workers do them in
            the background, after the jobs of newly stored reports. 'raddctl status'
            shows the run's progress, and a restart of raddd resumes it.

            Each answer is stored as a new label set beside the earlier ones, which
            keep their provenance. A report holds one answer per labeler version (an
            LLM's version names its model and prompt), so a run whose labeler has
            not changed asks again but stores nothing new.

            The reports are the task's current versions (not superseded): --since
            selects those stored at or after a UTC time, --all every one. A report
            that already waits for the labeler keeps that job, outside the run.

            Examples:
              raddctl relabel --task chestxray14 --labeler llm --all
              raddctl relabel --task chestxray14 --labeler llm --since 2026-11-01 --wait
              raddctl relabel --task ankle-fracture --labeler rules --all --json

            Exit status: 0 queued (with --wait: finished, every report answered),
            1 refused, or with --wait some reports could not be labelled, 64 usage
            error, 69 raddd is not reachable, 77 permission denied.
            """)

    @OptionGroup var options: SocketOptions
    @Option(help: "Task to label again.") var task: String
    @Option(help: "Labeler to run again: rules, llm or llm:MODEL, as raddd runs it now.") var labeler: String
    @Option(help: "Only reports stored at or after this UTC time (2026-11-24 or 2026-11-24T08:00:00Z).") var since: String?
    @Flag(help: "Every current report of the task.") var all = false
    @Flag(help: "Follow the run's progress until it finishes.") var wait = false

    func validate() throws {
        guard (since != nil) != all else {
            throw ValidationError("give either --since TIME (reports stored at or after it) or --all (every current report)")
        }
    }

    func run() throws {
        try guarded {
            var result = try options.call(Endpoints.Relabel.self, .init(task: task, labeler: labeler, since: since, all: all ? true : nil))
            if !options.json {
                let run = result.run
                print("relabel run \(run.run): \(run.total) report\(run.total == 1 ? "" : "s") queued for \(Format.printable(run.labeler)) on task \(Format.printable(run.task))"
                      + (result.alreadyQueued > 0 ? " (\(result.alreadyQueued) already waiting for it, not in this run)" : ""))
            }
            if wait { result.run = try follow(result.run) }
            if options.json { try options.printJSON(result) }
            if wait && result.run.failed > 0 {
                throw Failure("relabel run \(result.run.run): \(result.run.failed) report\(result.run.failed == 1 ? "" : "s") could not be labelled; raddctl status and raddctl report ID say why",
                              code: 1)
            }
        }
    }

    /// Polls `status` until the run finishes, showing a progress line on a TTY. A restart of
    /// raddd is waited out (the run resumes with it) for up to a minute.
    private func follow(_ queued: RelabelProgress) throws -> RelabelProgress {
        let interactive = isatty(STDERR_FILENO) != 0
        let started = Date()
        var run = queued
        var unreachableSince: Date?
        while run.finishedAt == nil {
            usleep(500_000)
            let status: StatusResult
            do {
                status = try options.call(Endpoints.Status.self, NoParams())
                unreachableSince = nil
            } catch let failure as Failure where failure.code == 69 {
                let since = unreachableSince ?? Date()
                unreachableSince = since
                if Date().timeIntervalSince(since) > 60 { throw failure }
                continue
            }
            guard let found = status.labeling?.relabels?.first(where: { $0.run == run.run }) else {
                // status lists the runs going and the last few finished: later runs have finished since.
                FileHandle.standardError.write(Data("\rraddctl: relabel run \(run.run) has finished; raddd no longer lists it, so its last counts seen are shown\u{1B}[K\n".utf8))
                break
            }
            run = found
            if interactive {
                let rate = Double(run.done + run.failed - queued.done - queued.failed) / max(0.001, Date().timeIntervalSince(started))
                FileHandle.standardError.write(Data(String(format: "\rrelabel run %lld: %d/%d done, %d failed (%.1f reports/s)\u{1B}[K",
                                                           run.run, run.done, run.total, run.failed, rate).utf8))
            }
        }
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if !options.json {
            print("relabel run \(run.run) finished" + (run.finishedAt.map { " at \($0)" } ?? "") + ": \(run.done) done, \(run.failed) failed")
        }
        return run
    }
}
