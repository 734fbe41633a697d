import Control
import Foundation
import Labeling
import Logging
import RaddCore
import Store

/// `relabel`: queues a labeler to label stored reports again, as a run whose progress `status`
/// shows. The labelling workers do the work from the persistent queue, so the request returns at
/// once and the run survives a restart.
struct RelabelAction: ControlAction {
    typealias Endpoint = Endpoints.Relabel
    let store: ReportStore
    let labeling: LabelingView
    private let logger = Logger(label: "control")

    init(store: ReportStore, labeling: LabelingView) {
        self.store = store
        self.labeling = labeling
    }

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<RelabelResult> {
        let service = labeling.labeling
        let configuredTasks = service.tasks.map(\.name).joined(separator: ", ")
        guard let taskName = params.task, let task = service.task(named: taskName) else {
            let named = params.task.map { "task '\($0.prefix(64))' is not labelled by this daemon" } ?? "relabel needs params.task"
            throw ControlError(.badRequest, "\(named) (configured: \(configuredTasks.isEmpty ? "none" : configuredTasks))")
        }
        // Only a labeler with a worker here can do the jobs; any other name would wait forever.
        let running = labeling.configuredLabelers.map(\.rawValue)
        guard let labeler = params.labeler, running.contains(labeler) else {
            let named = params.labeler.map { "labeler '\($0.prefix(64))' is not run by this daemon" } ?? "relabel needs params.labeler"
            throw ControlError(.badRequest, "\(named) (running: \(running.joined(separator: ", ")))")
        }
        guard labeler != LabelerID.rules.rawValue || task.hasRulePhrases else {
            throw ControlError(.badRequest, "task '\(task.name)' is prompt-only (no finding has rule phrases): only the models label it")
        }
        guard (params.since != nil) != (params.all == true) else {
            throw ControlError(.badRequest, "give either params.since (reports stored at or after a UTC time) or params.all = true (every current report)")
        }
        let since = try RequestBounds.time(params.since, nil).since
        let actor = request.actor
        // The store writes the run's audit record with the run; a run that cannot be queued is audited here.
        return ActionPlan(.byTheWork) { [self] in
            let started: (run: RelabelRun, alreadyQueued: Int)
            do {
                started = try store.startRelabelRun(task: task.name, labeler: labeler, since: since,
                                                    language: task.reportLanguage, actor: actor)
            } catch {
                logger.error("a relabel run could not be queued", metadata: ["error": "\(error)"])
                try store.database.transaction {
                    try store.audit.append(event: .label, action: .create, outcome: .minorFailure, outcomeText: ReportStore.auditText(for: error),
                                           actor: actor, object: "relabel task=\(task.name) labeler=\(labeler) since=\(since ?? "all")")
                }
                throw error
            }
            service.notify()
            logger.notice("relabel run queued", metadata: [
                "run": "\(started.run.id)", "task": "\(task.name)", "labeler": "\(labeler)", "jobs": "\(started.run.total)",
                "alreadyQueued": "\(started.alreadyQueued)",
            ])
            return RelabelResult(run: Self.progress(started.run), alreadyQueued: started.alreadyQueued)
        }
    }

    static func progress(_ run: RelabelRun) -> RelabelProgress {
        RelabelProgress(run: run.id, task: run.task, labeler: run.labeler, since: run.since, requestedAt: run.requestedAt,
                        requestedBy: run.requestedBy, total: run.total, done: run.done, failed: run.failed, finishedAt: run.finishedAt)
    }
}
