import Control
import Foundation
import Ingest
import RaddCore
import Store

/// What raddd's actions are built from. Each request builds its action in the dispatcher's
/// switch, handing it only the parts it needs, so an action's dependencies are its initialiser's
/// arguments and nothing looks them up.
struct ControlActions: Sendable {
    let store: ReportStore
    let facts: StatusAction.Facts
    let queueDepth: @Sendable () -> Int
    let labeling: LabelingView
    let checkpoints: AuditCheckpoints
    let reloader: ConfigurationReloader
    let release: QuarantineRelease
    let backupDirectory: String
    let metrics: DaemonMetrics

    init(store: ReportStore, facts: StatusAction.Facts, queueDepth: @escaping @Sendable () -> Int, labeling: LabelingView,
         checkpoints: AuditCheckpoints, reloader: ConfigurationReloader, dropFolders: [DropFolder], quarantine: QuarantineFolder,
         backupDirectory: String, metrics: DaemonMetrics) {
        self.backupDirectory = backupDirectory
        self.metrics = metrics
        self.store = store
        self.facts = facts
        self.queueDepth = queueDepth
        self.labeling = labeling
        self.checkpoints = checkpoints
        self.reloader = reloader
        release = QuarantineRelease(store: store, dropFolders: dropFolders, quarantine: quarantine)
    }
}
