import CSQLCipher
import Foundation

/// A prepared statement. Parameters are bound by 1-based index, columns read by 0-based index, as
/// in the C API.
public final class Statement {
    private let database: Database
    private let handle: OpaquePointer

    init(database: Database, handle: OpaquePointer) {
        self.database = database
        self.handle = handle
    }

    deinit { sqlite3_finalize(handle) }

    @discardableResult
    public func bind(_ values: [SQLValue]) throws -> Statement {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v): rc = sqlite3_bind_text(handle, index, v, -1, radd_sqlite_transient())
            case .blob(let v):
                // A zero-length blob is still a blob, not NULL: SQLite needs a non-nil pointer for that.
                rc = v.withUnsafeBytes { raw in
                    sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count),
                                      radd_sqlite_transient())
                }
            }
            guard rc == SQLITE_OK else { throw database.error(rc, "binding a parameter") }
        }
        return self
    }

    /// Steps once; true while there is a row to read.
    public func step() throws -> Bool {
        let rc = database.withLock { sqlite3_step(handle) }
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(rc, "running a statement")
        }
    }

    public func run() throws {
        _ = try withReset { try $0.step() }
    }

    public func withReset<T>(_ body: (Statement) throws -> T) throws -> T {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        return try body(self)
    }

    public func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: pointer)
    }

    /// The column's text as UTF-8 bytes (none for NULL), valid only inside `body`: for loops over
    /// many rows that compare or parse values without making a String of each.
    func withUTF8<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        // sqlite3_column_bytes counts the text only once sqlite3_column_text has converted it.
        let pointer = sqlite3_column_text(handle, column)
        let count = pointer == nil ? 0 : Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    public func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    /// The column's bytes; nil for NULL.
    public func blob(_ column: Int32) -> [UInt8]? {
        if isNull(column) { return nil }
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// A column that holds an enum's raw value. A value no case has fails the read instead of
    /// becoming a default: a row changed outside radd, or by a newer version, must not be shown,
    /// exported or labelled as a state or status it does not have. The error names the row, never
    /// the value.
    func value<Value: RawRepresentable>(_ column: Int32, table: String, rowID: Int64) throws -> Value
    where Value.RawValue == String {
        guard let text = text(column), let value = Value(rawValue: text) else {
            let name = sqlite3_column_name(handle, column).map { String(cString: $0) } ?? "column \(column)"
            throw StoreError.unknownValue(table: table, column: name, rowID: rowID)
        }
        return value
    }

    /// Reads every row with `row` and returns the results.
    public func all<T>(_ row: (Statement) throws -> T) throws -> [T] {
        try withReset { statement in
            var rows: [T] = []
            while try statement.step() { rows.append(try row(statement)) }
            return rows
        }
    }
}

public enum SQLValue: Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    public init(_ value: Int) { self = .integer(Int64(value)) }
}
