import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// Why a backup could not be made, verified or restored. Every case names the file and the
/// problem; none quotes the database's content. `code` is the stable form for logs and scripts.
public enum BackupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// radd never overwrites a file with a backup: an older backup is worth more than a name.
    case destinationExists(path: String)
    case destinationUnusable(path: String, reason: String)
    /// The key does not open the file, or it is not a SQLCipher database at all.
    case wrongKey(path: String)
    /// SQLCipher or SQLite found a damaged page (`PRAGMA integrity_check`).
    case damaged(path: String, problem: String)
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// The copy's own audit chain does not verify: it was changed after it was made.
    case auditChainBroken(path: String, problem: String)
    case io(operation: String, path: String, reason: String)

    public var code: String {
        switch self {
        case .destinationExists: return "destination_exists"
        case .destinationUnusable: return "destination_unusable"
        case .wrongKey: return "wrong_key"
        case .damaged: return "damaged"
        case .schemaTooNew: return "schema_too_new"
        case .auditChainBroken: return "audit_chain_broken"
        case .io: return "io"
        }
    }

    public var description: String {
        switch self {
        case .destinationExists(let path):
            return "\(path) exists; a backup never replaces a file (choose a new name, or move the old backup away)"
        case .destinationUnusable(let path, let reason):
            return "cannot write a backup to \(path): \(reason)"
        case .wrongKey(let path):
            return "the key does not open \(path): a backup opens only with the key in force when it was made (before any later `raddctl key rotate`), or the file is not a radd backup"
        case .damaged(let path, let problem):
            return "\(path) is damaged: \(problem)"
        case .schemaTooNew(let path, let found, let supported):
            return "\(path) has schema version \(found), newer than this radd supports (\(supported)); restore it with the radd version that made it, or a newer one"
        case .auditChainBroken(let path, let problem):
            return "\(path): the audit chain in the copy does not verify (\(problem)); the copy was changed after it was made"
        case .io(let operation, let path, let reason):
            return "\(operation) \(path) failed: \(reason)"
        }
    }
}

extension DatabaseCounts {
    /// Reads the counts in the caller's transaction (a backup reads them in the snapshot it copies).
    /// A table that an older schema does not have yet counts zero.
    static func read(from database: Database, schema: String = "main") throws -> DatabaseCounts {
        let tables = Set(try database.prepare("SELECT name FROM \(schema).sqlite_master WHERE type = 'table'").all { $0.text(0) ?? "" })
        func count(_ table: String, _ condition: String = "") throws -> Int {
            guard tables.contains(table) else { return 0 }
            let sql = "SELECT count(*) FROM \(schema).\(table)" + (condition.isEmpty ? "" : " WHERE \(condition)")
            return Int(try database.prepare(sql).withReset { try $0.step() ? $0.integer(0) : 0 })
        }
        let gold = "'\(ReportStore.goldLabeler)'"
        return DatabaseCounts(
            schemaVersion: Int(try database.scalarText("PRAGMA \(schema).user_version") ?? "0") ?? 0,
            reports: try count("reports"), labelSets: try count("label_sets", "labeler != \(gold)"),
            goldSets: try count("label_sets", "labeler = \(gold)"), labels: try count("labels"),
            labelJobs: try count("label_jobs"), quarantined: try count("quarantine"), files: try count("files"),
            auditRecords: try count("audit"))
    }
}

/// A backup written in full under a temporary name, not yet placed. The caller audits it (with
/// its SHA-256 and counts) and only then places it, so a backup whose audit record could not be
/// written never appears under its name.
public struct PendingBackup: Sendable {
    public let destination: String
    public let temporaryPath: String
    public let sha256: String
    public let bytes: Int64
    public let counts: DatabaseCounts
    public let seconds: Double

    /// Links the complete copy to its final name (never replacing a file) and removes the
    /// temporary name; the directory is synced so that the name survives a crash.
    public func place() throws {
        defer { unlink(temporaryPath) }
        guard link(temporaryPath, destination) == 0 else {
            if errno == EEXIST { throw BackupError.destinationExists(path: destination) }
            throw BackupError.io(operation: "placing", path: destination, reason: String(cString: strerror(errno)))
        }
        DatabaseBackup.syncDirectory(of: destination)
    }

    /// Removes the temporary copy of a backup that will not be placed.
    public func discard() { unlink(temporaryPath) }
}

/// Encrypted copies of the database. A copy is made with SQLCipher's own `sqlcipher_export`
/// into an attached database keyed with the current key, through a connection of its own: its
/// read transaction sees one snapshot (WAL), so the copy is consistent while the daemon's
/// connection goes on storing and labelling. The copy holds everything, the audit chain and
/// the pseudonym key (table `secrets`) included, so it opens only with the key in force when it
/// was made.
public enum DatabaseBackup {
    /// The suffix of a copy being written. A crash leaves at most this name behind, never a
    /// partial file under the final name.
    public static let partialSuffix = ".partial"

    /// Writes a complete copy of `database` to `destination` + `.partial` (0600), synced to disk,
    /// and returns it with its SHA-256 and the counts of the snapshot it holds, under the key in
    /// force. `destination` must not exist; its directory must.
    public static func prepare(of database: Database, destination: String) throws -> PendingBackup {
        database.maintenance.lock(); defer { database.maintenance.unlock() }
        return try prepare(databasePath: database.path, key: database.keyInForce, destination: destination)
    }

    static func prepare(databasePath: String, key: DatabaseKey, destination: String) throws -> PendingBackup {
        let started = Date()
        guard destination.hasPrefix("/") else {
            throw BackupError.destinationUnusable(path: destination, reason: "the path must be absolute")
        }
        var info = stat()
        if lstat(destination, &info) == 0 { throw BackupError.destinationExists(path: destination) }
        let directory = (destination as NSString).deletingLastPathComponent
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw BackupError.destinationUnusable(path: destination, reason: "\(directory) is not a directory")
        }
        let temporary = destination + partialSuffix
        // A leftover of a copy that was killed half-way: it is ours by its name, and incomplete.
        unlink(temporary)
        let created = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard created >= 0 else {
            throw BackupError.destinationUnusable(path: destination, reason: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        close(created)
        do {
            let counts = try export(databasePath: databasePath, key: key, into: temporary)
            try syncFile(temporary)
            let size = lstat(temporary, &info) == 0 ? Int64(info.st_size) : 0
            let digest = try Digest.hex(Digest.sha256(fileAt: temporary))
            return PendingBackup(destination: destination, temporaryPath: temporary, sha256: digest, bytes: size,
                                 counts: counts, seconds: Date().timeIntervalSince(started))
        } catch {
            unlink(temporary)
            if let error = error as? BackupError { throw error }
            if case StoreError.diskFull = error {
                throw BackupError.destinationUnusable(path: destination, reason: "the disk is full")
            }
            throw BackupError.io(operation: "copying the database to", path: temporary, reason: "\(error)")
        }
    }

    private static func export(databasePath: String, key: DatabaseKey, into temporary: String) throws -> DatabaseCounts {
        let source = try Database(path: databasePath, key: key)
        defer { source.close() }
        try source.prepare("ATTACH DATABASE ? AS backup KEY ?")
            .bind([.text(temporary), .blob(key.sqlcipherRawKeyLiteral)]).run()
        defer { try? source.execute("DETACH DATABASE backup") }
        // The copy is one self-contained file: no WAL beside it that could be lost when it is moved.
        _ = try source.scalarText("PRAGMA backup.journal_mode = DELETE")
        return try source.transaction {
            let counts = try DatabaseCounts.read(from: source)
            _ = try source.scalarText("SELECT sqlcipher_export('backup')")
            // sqlcipher_export copies tables, not the header's user_version, which is the schema version.
            try source.execute("PRAGMA backup.user_version = \(counts.schemaVersion)")
            return counts
        }
    }

    static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            throw BackupError.io(operation: "syncing", path: path, reason: reason)
        }
        close(fd)
    }

    static func syncDirectory(of path: String) {
        let fd = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}

/// What `raddctl backup verify` and `raddd --restore` find in a copy.
public struct BackupVerification: Codable, Sendable, Equatable {
    public var path: String
    public var sha256: String
    public var bytes: Int64
    public var counts: DatabaseCounts
    public var supportedSchemaVersion: Int
    public var auditFirstSeq: Int64?
    public var auditLastSeq: Int64?
    public var auditLastHash: String?
}

extension DatabaseBackup {
    /// Opens a copy read-only, without any running raddd, and checks it: the key opens it,
    /// every page passes SQLCipher's HMAC and SQLite's integrity check, the schema is one this
    /// radd reads, and the whole audit chain verifies. Throws the first problem found.
    public static func verify(path: String, key: DatabaseKey) throws -> BackupVerification {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw BackupError.io(operation: "reading", path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw BackupError.io(operation: "reading", path: path, reason: "not a regular file")
        }
        let sha256 = try Digest.hex(Digest.sha256(fileAt: path))
        let database: Database
        do {
            database = try Database(path: path, key: key, mode: .readOnly)
        } catch StoreError.wrongKey {
            throw BackupError.wrongKey(path: path)
        } catch {
            throw BackupError.damaged(path: path, problem: "\(error)")
        }
        defer { database.close() }
        do {
            let problems = try database.prepare("PRAGMA integrity_check(20)").all { $0.text(0) ?? "" }
            guard problems == ["ok"] else {
                throw BackupError.damaged(path: path, problem: "integrity check: " + problems.prefix(3).joined(separator: "; "))
            }
        } catch let error as BackupError {
            throw error
        } catch {
            // A page whose HMAC fails is reported by SQLCipher as a read error, not as a row.
            throw BackupError.damaged(path: path, problem: "a page failed SQLCipher's check (\(error))")
        }
        // Nothing else writes a copy that is being verified, so its reads need no transaction.
        let counts = try DatabaseCounts.read(from: database)
        guard counts.schemaVersion <= Migrations.latestVersion else {
            throw BackupError.schemaTooNew(path: path, found: counts.schemaVersion, supported: Migrations.latestVersion)
        }
        guard counts.schemaVersion >= 1 else {
            throw BackupError.damaged(path: path, problem: "it has no radd schema (schema version 0)")
        }
        // Records are chained from schema 5 on; an older copy's chain is made when it is migrated.
        var audit = AuditVerification()
        if counts.schemaVersion >= 5 {
            audit = try AuditLog(database: database, source: nil).verify()
            guard audit.intact else {
                throw BackupError.auditChainBroken(path: path, problem: audit.problems.first ?? "first bad record \(audit.firstBadSeq ?? 0)")
            }
        }
        return BackupVerification(path: path, sha256: sha256, bytes: Int64(info.st_size), counts: counts,
                                  supportedSchemaVersion: Migrations.latestVersion, auditFirstSeq: audit.firstSeq,
                                  auditLastSeq: audit.lastSeq, auditLastHash: audit.lastHash)
    }
}
