import Control
import Foundation
import Labeling
import RaddCore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `status`: the daemon's state. The model endpoints' states are read before the transaction, so
/// that no labelling lock is taken while the database is held.
struct StatusAction: ControlAction {
    typealias Endpoint = Endpoints.Status

    /// What raddd knows about itself from start-up.
    struct Facts: Sendable {
        var startedAt: Date
        var cipherVersion: String
        var deidMethod: String
        var folders: [DropFolderSettings]
    }

    let store: ReportStore
    let facts: Facts
    let queueDepth: @Sendable () -> Int
    let labeling: LabelingView

    func prepare(_ params: NoParams, for request: ActionRequest) throws -> ActionPlan<StatusResult> {
        let service = labeling.labeling
        let endpoints = service.endpointStates.map {
            LabelingStatus.ModelEndpoint(endpoint: $0.endpoint, model: $0.model, circuit: $0.circuit,
                                         inFlight: $0.inFlight, lastError: $0.lastError)
        }
        return ActionPlan(.inTransaction(.query, .read, object: "status")) { [self] in
            var result = StatusResult(
                version: RaddVersion.string, protocolVersion: ControlProtocol.version, pid: getpid(),
                startedAt: Timestamp.string(facts.startedAt),
                uptimeSeconds: Int(Date().timeIntervalSince(facts.startedAt)),
                schemaVersion: try store.schemaVersion(), cipherVersion: facts.cipherVersion,
                queueDepth: queueDepth(), reportsByState: try store.countsByState(),
                deidMethod: facts.deidMethod, dropDirectory: facts.folders.first?.path ?? "",
                folders: facts.folders.map {
                    FolderStatus(name: $0.name, path: $0.path, format: $0.formatDescription, archive: $0.archiveDirectory,
                                 language: $0.languageDescription)
                })
            result.labeling = LabelingStatus(
                tasks: service.tasks.map(\.name), policy: labeling.live.labelPolicy.rawValue,
                queues: try store.labelQueueCounts().map {
                    LabelingStatus.Queue(labeler: $0.labeler, queued: $0.queued, failed: $0.failed, lastError: $0.lastError)
                },
                endpoints: endpoints)
            result.labeling?.relabels = try store.relabelRuns().map(RelabelAction.progress)
            let decisions = labeling.decisions()
            result.labeling?.finalLabels = try service.tasks.map { task in
                let needs = decisions.finalLabelNeeds(task).map { $0.map(\.rawValue) }
                let counts = try store.finalLabelCounts(task: task.name, language: task.reportLanguage, needs: needs)
                return LabelingStatus.TaskLabelCount(task: task.name, reports: counts.current, labelled: counts.withFinalLabel)
            }
            result.labeling?.deciders = service.tasks.flatMap { labeling.explanation($0, under: decisions) }
            let byLanguage = try store.currentCountsByLanguage()
            result.languages = ReportLanguage.allCases.compactMap { language in
                guard let count = byLanguage[language], count > 0 else { return nil }
                return LanguageCount(language: language.rawValue, reports: count,
                                     tasks: service.tasks.filter { $0.reportLanguage == language }.map(\.name))
            }
            return result
        }
    }
}
