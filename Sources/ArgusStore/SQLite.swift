import CSQLite

/// A failed SQLite call, with the library's message and what was being done.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String

    public var description: String { message }

    /// SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock; worth retrying.
    public var isBusy: Bool { code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED }
}

/// `SQLITE_TRANSIENT` does not import: SQLite copies the bound bytes before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection (sqlite3_open_v2 / sqlite3_close_v2). Used by one thread at a time.
public final class SQLiteDatabase {
    let handle: OpaquePointer

    public init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        var handle: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let code = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: code, message: "opening \(path): \(message)")
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    /// sqlite3_exec for statements without results (schema, pragmas, BEGIN/COMMIT).
    public func execute(_ sql: String) throws(SQLiteError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code, doing: sql) }
    }

    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, doing: sql) }
        return SQLiteStatement(statement, database: self)
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// sqlite3_busy_timeout: how long a write waits for another connection's lock.
    public func setBusyTimeout(milliseconds: Int32) { sqlite3_busy_timeout(handle, milliseconds) }

    /// The first column of the first row of a query, as an integer.
    public func scalar(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.int64(0) : nil
    }

    func error(_ code: Int32, doing what: String) -> SQLiteError {
        let message = String(cString: sqlite3_errmsg(handle))
        let short = what.split(separator: "\n").first.map(String.init) ?? what
        return SQLiteError(code: code, message: "\(message) (\(short.prefix(60)))")
    }
}

/// A prepared statement (sqlite3_prepare_v3 / sqlite3_finalize), reused with reset().
public final class SQLiteStatement {
    private let statement: OpaquePointer
    private let database: SQLiteDatabase

    init(_ statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    /// Binds values to ?1, ?2, ... in order; nil binds NULL.
    public func bind(_ values: [SQLiteValue?]) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case nil: sqlite3_bind_null(statement, index)
            case .integer(let number)?: sqlite3_bind_int64(statement, index, number)
            case .real(let number)?: sqlite3_bind_double(statement, index, number)
            case .text(let text)?: sqlite3_bind_text(statement, index, text, -1, transient)
            case .blob(let bytes)?:
                bytes.withUnsafeBytes { raw in
                    _ = sqlite3_bind_blob(statement, index, raw.baseAddress, Int32(raw.count), transient)
                }
            }
        }
    }

    /// sqlite3_step: true while it yields rows, false once done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            sqlite3_reset(statement)
            throw database.error(code, doing: String(cString: sqlite3_sql(statement)))
        }
    }

    /// Binds, runs to completion and resets: one INSERT or UPDATE.
    public func run(_ values: [SQLiteValue?]) throws(SQLiteError) {
        bind(values)
        defer { sqlite3_reset(statement) }
        try step()
    }

    public func int64(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    public func double(_ column: Int32) -> Double? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_double(statement, column)
    }

    public func blob(_ column: Int32) -> [UInt8]? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    public func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: bytes)
    }
}

/// A value bound to a statement parameter.
public enum SQLiteValue: Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public static func int<T: BinaryInteger>(_ value: T?) -> SQLiteValue? { value.map { .integer(Int64($0)) } }
    public static func bool(_ value: Bool?) -> SQLiteValue? { value.map { .integer($0 ? 1 : 0) } }
    public static func string(_ value: String?) -> SQLiteValue? { value.map { .text($0) } }
    public static func double(_ value: Double?) -> SQLiteValue? { value.map { .real($0) } }
}
