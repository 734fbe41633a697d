import Control
import Foundation
import Ingest
import RaddCore
import Store

/// One action per control method, each given what it needs at construction.
struct ControlActions: Sendable {
    let status: StatusAction
    let reports: ReportsAction
    let report: ReportAction
    let labels: LabelsAction
    let review: ReviewAction
    let reviewShow: ReviewShowAction
    let reviewResolve: ReviewResolveAction
    let quarantineList: QuarantineListAction
    let quarantineRetry: QuarantineRetryAction
    let quarantinePurge: QuarantinePurgeAction
    let auditList: AuditListAction
    let auditVerify: AuditVerifyAction
    let auditExport: AuditExportAction
    let reload: ReloadAction
    let keyRotate: KeyRotateAction
    let pseudonym: PseudonymAction
    let relabel: RelabelAction
    let exportLabels: ExportLabelsAction
    let exportInstruct: ExportInstructAction
    let goldSample: GoldSampleAction
    let goldImport: GoldImportAction
    let evaluate: EvaluateAction

    init(store: ReportStore, facts: StatusAction.Facts, queueDepth: @escaping @Sendable () -> Int, labeling: LabelingView,
         checkpoints: AuditCheckpoints, reloader: ConfigurationReloader, dropFolders: [DropFolder], quarantine: QuarantineFolder) {
        status = StatusAction(store: store, facts: facts, queueDepth: queueDepth, labeling: labeling)
        reports = ReportsAction(store: store)
        report = ReportAction(store: store, labeling: labeling)
        labels = LabelsAction(store: store, labeling: labeling)
        review = ReviewAction(store: store, labeling: labeling)
        reviewShow = ReviewShowAction(store: store, labeling: labeling)
        reviewResolve = ReviewResolveAction(store: store, labeling: labeling)
        quarantineList = QuarantineListAction(store: store)
        let release = QuarantineRelease(store: store, dropFolders: dropFolders, quarantine: quarantine)
        quarantineRetry = QuarantineRetryAction(release: release)
        quarantinePurge = QuarantinePurgeAction(release: release)
        auditList = AuditListAction(store: store)
        auditVerify = AuditVerifyAction(store: store, checkpoints: checkpoints)
        auditExport = AuditExportAction(store: store)
        reload = ReloadAction(reloader: reloader)
        keyRotate = KeyRotateAction(store: store)
        pseudonym = PseudonymAction(store: store)
        relabel = RelabelAction(store: store, labeling: labeling)
        exportLabels = ExportLabelsAction(store: store, labeling: labeling)
        exportInstruct = ExportInstructAction(store: store, labeling: labeling)
        goldSample = GoldSampleAction(store: store, labeling: labeling)
        goldImport = GoldImportAction(store: store, labeling: labeling)
        evaluate = EvaluateAction(store: store, labeling: labeling)
    }
}
