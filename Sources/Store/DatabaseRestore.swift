import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// What `raddd --restore` did.
public struct RestoreResult: Sendable {
    public let backup: BackupVerification
    /// Where the database that was replaced now is (with its -wal beside it); nil when there was none.
    public let replacedPath: String?
    /// Schema version and counts after the restore (and any migration).
    public let restored: DatabaseCounts
    /// The automatic backup made before migrating an older copy, if one was migrated.
    public let migrationBackup: String?
}

/// Puts a backup in place of the database, with raddd stopped (the caller holds the instance
/// lock). Fails closed at every step: the copy is verified before anything is moved, the
/// database it replaces is kept beside it, and if the restored database cannot be opened or its
/// audit record cannot be written, the replaced one is put back.
public enum DatabaseRestore {
    public static func restore(backup: String, databasePath: String, key: DatabaseKey, actor: AuditActor,
                               applianceID: String?, backupDirectory: String?, now: Date = Date()) throws -> RestoreResult {
        let verification = try DatabaseBackup.verify(path: backup, key: key)
        let stamp = fileStamp(now)
        let incoming = databasePath + ".restoring"
        unlink(incoming)
        try copyFile(backup, to: incoming, likeOwnerOf: databasePath)
        var replaced: String?
        if access(databasePath, F_OK) == 0 {
            let aside = databasePath + ".replaced-" + stamp
            // The WAL holds committed transactions not yet in the main file: it moves with it, by
            // the name SQLite gives a database's WAL, so the kept database opens whole.
            for suffix in ["", "-wal"] where access(databasePath + suffix, F_OK) == 0 {
                guard rename(databasePath + suffix, aside + suffix) == 0 else {
                    let reason = String(cString: strerror(errno))
                    if suffix == "-wal" { rename(aside, databasePath) }
                    unlink(incoming)
                    throw BackupError.io(operation: "moving the current database aside to", path: aside + suffix, reason: reason)
                }
            }
            // The shared-memory index belongs to the WAL that just moved; SQLite rebuilds it.
            unlink(databasePath + "-shm")
            replaced = aside
        }
        func putBack() {
            unlink(databasePath)
            unlink(databasePath + "-wal")
            unlink(databasePath + "-shm")
            if let replaced {
                rename(replaced, databasePath)
                rename(replaced + "-wal", databasePath + "-wal")
            }
        }
        guard rename(incoming, databasePath) == 0 else {
            let reason = String(cString: strerror(errno))
            putBack()
            unlink(incoming)
            throw BackupError.io(operation: "moving the restored copy to", path: databasePath, reason: reason)
        }
        DatabaseBackup.syncDirectory(of: databasePath)
        do {
            let store = try ReportStore(path: databasePath, key: key, applianceID: applianceID, backupDirectory: backupDirectory)
            defer { store.close() }
            let counts = try store.database.transaction {
                let counts = try DatabaseCounts.read(from: store.database)
                let backupName = (backup as NSString).lastPathComponent
                let kept = replaced.map { " replaced=\(($0 as NSString).lastPathComponent)" } ?? ""
                try store.audit.append(event: .restore, action: .update, outcome: .success, actor: actor,
                                       object: "file=\(backupName) sha256=\(verification.sha256)\(kept) \(counts.summary)")
                if let automatic = store.migrationBackup {
                    try store.audit.append(event: .backup, action: .execute, outcome: .success, actor: actor,
                                           object: automatic.auditObject(reason: "before migrating the restored copy"))
                }
                return counts
            }
            return RestoreResult(backup: verification, replacedPath: replaced, restored: counts,
                                 migrationBackup: store.migrationBackup?.destination)
        } catch {
            putBack()
            throw error
        }
    }

    /// `20261205T171500Z`: sorts by time and needs no quoting in a shell.
    public static func fileStamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// Copies byte for byte into a new 0600 file, synced, owned like `reference` (or its
    /// directory) when run as root: raddd, not root, must be able to open the restored database.
    static func copyFile(_ source: String, to destination: String, likeOwnerOf reference: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw BackupError.io(operation: "reading", path: source, reason: String(cString: strerror(errno))) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            throw BackupError.io(operation: "creating", path: destination, reason: String(cString: strerror(errno)))
        }
        var failure: BackupError?
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        copying: while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = .io(operation: "reading", path: source, reason: String(cString: strerror(errno)))
                break
            }
            if count == 0 { break }
            var written = 0
            while written < count {
                let step = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                if step < 0 {
                    if errno == EINTR { continue }
                    failure = .io(operation: "writing", path: destination, reason: String(cString: strerror(errno)))
                    break copying
                }
                written += step
            }
        }
        if failure == nil, fsync(output) != 0 {
            failure = .io(operation: "syncing", path: destination, reason: String(cString: strerror(errno)))
        }
        if failure == nil, geteuid() == 0 {
            var info = stat()
            let owner = stat(reference, &info) == 0 ? info : {
                var directory = stat()
                _ = stat((reference as NSString).deletingLastPathComponent, &directory)
                return directory
            }()
            if fchown(output, owner.st_uid, owner.st_gid) != 0 {
                failure = .io(operation: "giving raddd's user", path: destination, reason: String(cString: strerror(errno)))
            }
        }
        close(output)
        if let failure {
            unlink(destination)
            throw failure
        }
    }
}

extension PendingBackup {
    /// The audit record's object: the file's name, its SHA-256 and the counts it holds.
    public func auditObject(reason: String? = nil) -> String {
        let why = reason.map { " reason=\"\($0)\"" } ?? ""
        return "file=\((destination as NSString).lastPathComponent) sha256=\(sha256) bytes=\(bytes)\(why) \(counts.summary)"
    }
}
