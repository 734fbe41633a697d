import Control
import Foundation
import RaddCore
import Store

/// `relabel`: queues a labeler to label stored reports again, as a run whose progress
/// `status` shows. The work is done by the labelling workers from the persistent queue, so the
/// request returns at once and the run survives a restart.
extension ControlRequestHandler {
    func relabel(_ params: ControlRequest.Params, caller: ControlCaller) throws -> RelabelResult {
        let method = ControlMethod.relabel
        let labeling = context.labeling
        let configuredTasks = labeling.tasks.map(\.name).joined(separator: ", ")
        guard let taskName = params.task, let task = labeling.task(named: taskName) else {
            let named = params.task.map { "task '\($0.prefix(64))' is not labelled by this daemon" } ?? "relabel needs params.task"
            throw try refusal(ControlError(.badRequest, "\(named) (configured: \(configuredTasks.isEmpty ? "none" : configuredTasks))"),
                              from: caller, method: method)
        }
        // Only a labeler with a worker here can do the jobs; any other name would wait forever.
        let running = ["rules"] + labeling.llmLabelers
        guard let labeler = params.labeler, running.contains(labeler) else {
            let named = params.labeler.map { "labeler '\($0.prefix(64))' is not run by this daemon" } ?? "relabel needs params.labeler"
            throw try refusal(ControlError(.badRequest, "\(named) (running: \(running.joined(separator: ", ")))"),
                              from: caller, method: method)
        }
        guard (params.since != nil) != (params.all == true) else {
            throw try refusal(ControlError(.badRequest, "give either params.since (reports stored at or after a UTC time) or params.all = true (every current report)"),
                              from: caller, method: method)
        }
        var sinceOnly = params
        sinceOnly.until = nil  // a run selects by `since` alone
        let since = try timeBounds(sinceOnly, from: caller, method: method).since
        let actor = Self.actor(caller)
        let started: (run: RelabelRun, alreadyQueued: Int)
        do {
            started = try store.startRelabelRun(task: task.name, labeler: labeler, since: since, actor: actor)
        } catch {
            logger.error("a relabel run could not be queued", metadata: ["error": "\(error)"])
            try store.database.transaction {
                try store.audit.append(event: .label, action: .create, outcome: .minorFailure, outcomeText: ReportStore.auditText(for: error),
                                       actor: actor, object: "relabel task=\(task.name) labeler=\(labeler) since=\(since ?? "all")")
            }
            throw error
        }
        labeling.notify()
        logger.notice("relabel run queued", metadata: [
            "run": "\(started.run.id)", "task": "\(task.name)", "labeler": "\(labeler)", "jobs": "\(started.run.total)",
            "alreadyQueued": "\(started.alreadyQueued)",
        ])
        return RelabelResult(run: Self.progress(started.run), alreadyQueued: started.alreadyQueued)
    }

    /// Runs still going and the last few finished, for `status`.
    func relabelProgress() throws -> [RelabelProgress] {
        try store.relabelRuns().map(Self.progress)
    }

    static func progress(_ run: RelabelRun) -> RelabelProgress {
        RelabelProgress(run: run.id, task: run.task, labeler: run.labeler, since: run.since, requestedAt: run.requestedAt,
                        requestedBy: run.requestedBy, total: run.total, done: run.done, failed: run.failed, finishedAt: run.finishedAt)
    }
}
