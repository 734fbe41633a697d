import Control
import Foundation
import Logging
import RaddCore
import Store

/// `backup`: an online, encrypted, consistent copy of the database (`DatabaseBackup`), written
/// by raddd itself so that the copy never leaves the key's protection. The copy is complete and
/// synced under `NAME.partial` before it is audited (`backup`, with its SHA-256 and counts), and
/// placed under its name only once that record is committed: a backup whose record could not be
/// written does not appear, and a `kill -9` leaves at most the `.partial` file.
struct BackupAction: ControlAction {
    typealias Endpoint = Endpoints.Backup
    let store: ReportStore
    let backupDirectory: String
    private let logger = Logger(label: "control")

    init(store: ReportStore, backupDirectory: String) {
        self.store = store
        self.backupDirectory = backupDirectory
    }

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<BackupResult> {
        let destination: String
        if let path = params.path {
            guard path.hasPrefix("/"), !path.contains("\0"), !path.hasSuffix("/") else {
                throw ControlError(.badRequest, "backup needs params.path, an absolute file path (raddctl makes it absolute)")
            }
            destination = (path as NSString).standardizingPath
        } else {
            destination = (backupDirectory as NSString).appendingPathComponent("radd-\(DatabaseRestore.fileStamp(Date())).db")
        }
        let databaseFiles = [store.database.path, store.database.path + "-wal", store.database.path + "-shm"]
        guard !databaseFiles.contains(destination) else {
            throw ControlError(.badRequest, "\(destination) is the live database; choose another file")
        }
        return ActionPlan(.byTheWork) { [self] in try backup(to: destination, actor: request.actor) }
    }

    private func backup(to destination: String, actor: AuditActor) throws -> BackupResult {
        let name = (destination as NSString).lastPathComponent
        let pending: PendingBackup
        do {
            pending = try DatabaseBackup.prepare(of: store.database, destination: destination)
        } catch let error as BackupError {
            try? store.database.transaction {
                try store.audit.append(event: .backup, action: .execute, outcome: .seriousFailure, outcomeText: error.code,
                                       actor: actor, object: "file=\(name)")
            }
            logger.error("backup failed", metadata: ["file": "\(destination)", "error": "\(error)"])
            switch error {
            case .destinationExists, .destinationUnusable: throw ControlError(.badRequest, error.description)
            default: throw ControlError(.unavailable, "the backup failed: \(error)")
            }
        }
        do {
            try store.database.transaction {
                try store.audit.append(event: .backup, action: .execute, outcome: .success, actor: actor, object: pending.auditObject())
            }
        } catch {
            pending.discard()
            throw error
        }
        do {
            try pending.place()
        } catch {
            try? store.database.transaction {
                try store.audit.append(event: .backup, action: .execute, outcome: .seriousFailure,
                                       outcomeText: "the copy was made but could not be placed under its name",
                                       actor: actor, object: "file=\(name)")
            }
            throw ControlError(.unavailable, "\(error)")
        }
        logger.notice("backup written", metadata: ["file": "\(destination)", "bytes": "\(pending.bytes)",
                                                   "seconds": "\(String(format: "%.2f", pending.seconds))"])
        return BackupResult(path: destination, sha256: pending.sha256, bytes: pending.bytes, seconds: pending.seconds, counts: pending.counts)
    }
}

/// `purge`: erases every report of one patient and everything derived from it. The patient id
/// is turned into its pseudonym here and never kept, logged or audited; the erasure record
/// names the pseudonym and the counts, in the transaction that deletes.
struct PurgeAction: ControlAction {
    typealias Endpoint = Endpoints.Purge
    let store: ReportStore
    private let logger = Logger(label: "control")

    init(store: ReportStore) {
        self.store = store
    }

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<PurgeResult> {
        guard let value = params.patient, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ControlError(.badRequest, "purge needs params.patient, the patient id as the source systems send it")
        }
        guard let pseudonymizer = store.pseudonymizer else {
            throw ControlError(.unavailable, "this database has no pseudonym key")
        }
        let pseudonym = pseudonymizer.pseudonym(value)
        return ActionPlan(.byTheWork) { [store, logger] in
            let erased = try store.erasePatient(pseudonym: pseudonym, actor: request.actor)
            let truncated = store.truncateWAL()
            logger.notice("patient erased", metadata: ["patient": "\(pseudonym)", "reports": "\(erased.reports)"])
            return PurgeResult(patientPseudonym: pseudonym, erased: erased, walTruncated: truncated)
        }
    }
}

/// `metrics`: the Prometheus exposition, for any role (counts only; see `DaemonMetrics`).
struct MetricsAction: ControlAction {
    typealias Endpoint = Endpoints.Metrics
    let metrics: DaemonMetrics

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<MetricsResult> {
        ActionPlan(.inTransaction(.query, .read, object: "metrics")) { [metrics] in
            MetricsResult(text: try metrics.exposition())
        }
    }
}
