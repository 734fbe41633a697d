import CSQLCipher
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One SQLCipher connection. All use is serialised by a lock: the daemon's writers are few and
/// short, and a single connection keeps every read inside the same transaction as its audit record.
///
/// `@unchecked` because the connection is a C handle, which the compiler cannot follow: `lock`
/// guards every use of it. The lock is recursive, not a `Mutex`, because a transaction holds it
/// while its body prepares and steps statements, which take it again.
public final class Database: @unchecked Sendable {
    public let path: String
    private var handle: OpaquePointer?
    private let lock = NSRecursiveLock()
    /// Kept so that a backup can open a connection of its own on the same file; changed by `rekey`.
    private var key: DatabaseKey
    /// Held by a re-key and by a backup's copy, so that a copy never reads pages half re-keyed
    /// and a re-key never waits for the main lock behind a long copy (a copy does not take it).
    let maintenance = NSLock()

    /// How a connection opens its file.
    public enum OpenMode: Sendable {
        /// The daemon's store: created if missing, in WAL mode.
        case readWrite
        /// A file to check and never change (a backup being verified): not created, its
        /// journal mode left alone, every write refused.
        case readOnly
    }

    /// Opens (creating if needed) an encrypted database and proves that the key opens it. Checks
    /// that SQLCipher, not plain SQLite, is the library in use before any key is handed over.
    public init(path: String, key: DatabaseKey, mode: OpenMode = .readWrite) throws {
        self.path = path
        self.key = key
        try Self.requireCipher()
        var flags = SQLITE_OPEN_FULLMUTEX
        switch mode {
        case .readWrite:
            // SQLite gives the -wal and -shm files the main file's mode, so creating it owner-only
            // keeps all three private whatever the process umask.
            let created = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if created >= 0 { Glibc.close(created) }
            flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly:
            flags |= SQLITE_OPEN_READONLY
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw StoreError.sqlite(operation: "opening \(path)", code: rc, message: message)
        }
        handle = db
        do {
            try applyKey(key)
            try verifyKey()
            switch mode {
            case .readWrite: try configure()
            case .readOnly: try configureReadOnly()
            }
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    public func close() {
        lock.lock(); defer { lock.unlock() }
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    /// Returns SQLCipher's version, or throws when the loaded library is plain SQLite.
    public static func cipherVersion() throws -> String {
        var db: OpaquePointer?
        guard sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let db else {
            sqlite3_close(db)
            throw StoreError.sqlite(operation: "opening an in-memory database", code: SQLITE_NOMEM, message: "cannot open")
        }
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "PRAGMA cipher_version", -1, &statement, nil) == SQLITE_OK else {
            throw StoreError.cipherUnavailable
        }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else {
            throw StoreError.cipherUnavailable
        }
        return String(cString: text)
    }

    static func requireCipher() throws { _ = try cipherVersion() }

    private func applyKey(_ key: DatabaseKey) throws {
        let literal = key.sqlcipherRawKeyLiteral
        let rc = literal.withUnsafeBytes { sqlite3_key(handle, $0.baseAddress, Int32($0.count)) }
        guard rc == SQLITE_OK else { throw error(rc, "setting the database key") }
    }

    /// SQLCipher accepts any key at sqlite3_key time; the first read is what fails on a wrong one.
    private func verifyKey() throws {
        let rc = sqlite3_exec(handle, "SELECT count(*) FROM sqlite_master", nil, nil, nil)
        if rc == SQLITE_NOTADB { throw StoreError.wrongKey(path: path) }
        guard rc == SQLITE_OK else { throw error(rc, "reading \(path)") }
    }

    private func configure() throws {
        sqlite3_busy_timeout(handle, 5_000)
        // Temporary tables and sort spills stay in memory: SQLCipher encrypts the database and its
        // journals, but a temp file could otherwise hold report text in clear.
        try execute("PRAGMA temp_store = MEMORY")
        try execute("PRAGMA secure_delete = ON")
        try execute("PRAGMA foreign_keys = ON")
        let mode = try scalarText("PRAGMA journal_mode = WAL")
        guard mode?.lowercased() == "wal" else {
            throw StoreError.sqlite(operation: "enabling WAL on \(path)", code: SQLITE_ERROR, message: "journal_mode is \(mode ?? "unknown")")
        }
        try execute("PRAGMA synchronous = FULL")
    }

    private func configureReadOnly() throws {
        sqlite3_busy_timeout(handle, 5_000)
        try execute("PRAGMA temp_store = MEMORY")
        try execute("PRAGMA query_only = ON")
    }

    /// Re-encrypts the whole database under a new key. WAL is switched off for the duration because
    /// SQLCipher rewrites every page in place.
    public func rekey(to newKey: DatabaseKey) throws {
        maintenance.lock(); defer { maintenance.unlock() }
        lock.lock(); defer { lock.unlock() }
        try execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _ = try scalarText("PRAGMA journal_mode = DELETE")
        let literal = newKey.sqlcipherRawKeyLiteral
        let rc = literal.withUnsafeBytes { sqlite3_rekey(handle, $0.baseAddress, Int32($0.count)) }
        let restored = try scalarText("PRAGMA journal_mode = WAL")
        guard rc == SQLITE_OK else { throw error(rc, "re-keying \(path)") }
        key = newKey
        guard restored?.lowercased() == "wal" else {
            throw StoreError.sqlite(operation: "re-enabling WAL on \(path)", code: SQLITE_ERROR, message: "journal_mode is \(restored ?? "unknown")")
        }
    }

    // MARK: - Statements

    public func execute(_ sql: String) throws {
        lock.lock(); defer { lock.unlock() }
        try requireOpen()
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, "executing SQL") }
    }

    public func scalarText(_ sql: String) throws -> String? {
        try prepare(sql).withReset { statement in
            try statement.step() ? statement.text(0) : nil
        }
    }

    public func prepare(_ sql: String) throws -> Statement {
        lock.lock(); defer { lock.unlock() }
        try requireOpen()
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(rc, "preparing SQL") }
        return Statement(database: self, handle: statement)
    }

    /// Runs `body` in one IMMEDIATE transaction, committing if it returns and rolling back if it
    /// throws. Nested calls join the outer transaction.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        lock.lock(); defer { lock.unlock() }
        try requireOpen()
        if sqlite3_get_autocommit(handle) == 0 { return try body() }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// The C API is not armoured against a closed handle, so a request that outlives shutdown
    /// gets an error instead of a crash.
    private func requireOpen() throws {
        guard handle != nil else {
            throw StoreError.sqlite(operation: "using \(path)", code: SQLITE_MISUSE, message: "the database is closed")
        }
    }

    /// Rows the last INSERT, UPDATE or DELETE changed.
    public var changes: Int {
        lock.lock(); defer { lock.unlock() }
        return Int(sqlite3_changes(handle))
    }

    public var lastInsertRowID: Int64 {
        lock.lock(); defer { lock.unlock() }
        return sqlite3_last_insert_rowid(handle)
    }

    func error(_ rc: Int32, _ operation: String) -> StoreError {
        let primary = rc & 0xff
        if primary == SQLITE_FULL { return .diskFull(operation: operation) }
        if primary == SQLITE_NOTADB { return .wrongKey(path: path) }
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection"
        return .sqlite(operation: operation, code: rc, message: message)
    }

    /// The key that opens the file now.
    var keyInForce: DatabaseKey {
        lock.lock(); defer { lock.unlock() }
        return key
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }
}
