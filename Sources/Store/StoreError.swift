import Foundation

/// Store failures. Messages name the database path and the SQLite result, never a row's content.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// `PRAGMA cipher_version` returned no row: a plain SQLite library was loaded in place of
    /// SQLCipher, which would write the database unencrypted.
    case cipherUnavailable
    case wrongKey(path: String)
    case schemaTooNew(path: String, found: Int, supported: Int)
    case sqlite(operation: String, code: Int32, message: String)
    case diskFull(operation: String)
    case notFound
    /// The store was opened for checking only (`raddd --check-config`) and cannot take writes.
    case readOnly
    /// A quarantine entry was already retried or purged.
    case alreadyReleased(state: String)
    case pseudonymKeyDamaged
    /// A column that holds one of a fixed set of values (a report's state, status or format) holds
    /// none of them.
    case unknownValue(table: String, column: String, rowID: Int64)

    public var description: String {
        switch self {
        case .cipherUnavailable:
            return "SQLCipher is not active (PRAGMA cipher_version returned no row): a plain SQLite library was loaded, which would store data unencrypted"
        case .wrongKey(let path):
            return "the database key does not open \(path) (wrong key, or not a radd database)"
        case .schemaTooNew(let path, let found, let supported):
            return "\(path) has schema version \(found), newer than this raddd supports (\(supported)); install a newer raddd"
        case .sqlite(let operation, let code, let message):
            return "\(operation) failed: \(message) (SQLite code \(code))"
        case .diskFull(let operation):
            return "\(operation) failed: the disk is full"
        case .notFound:
            return "not found"
        case .alreadyReleased(let state):
            return "the quarantined file was already \(state)"
        case .readOnly:
            return "the store was opened for checking only and cannot be written"
        case .pseudonymKeyDamaged:
            return "the pseudonym key in the database is damaged (not 64 hex digits); restore the database from a backup"
        case .unknownValue(let table, let column, let rowID):
            return "\(table) row \(rowID) has a \(column) this raddd does not know: the row was changed outside radd or by a newer version; it was not read"
        }
    }
}
