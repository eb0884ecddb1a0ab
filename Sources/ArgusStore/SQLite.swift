import CSQLite

/// A failed SQLite call, with the library's message and what was being done.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    /// The errno of the system call that failed under it (sqlite3_system_errno), or 0.
    public var systemErrno: Int32 = 0

    public init(code: Int32, message: String, systemErrno: Int32 = 0) {
        self.code = code
        self.message = message
        self.systemErrno = systemErrno
    }

    public var description: String { message }

    /// The path named a directory (EISDIR, 21 on every Linux architecture).
    public var isDirectory: Bool { systemErrno == 21 }

    /// SQLITE_CORRUPT / SQLITE_NOTADB: the file is damaged or not a database at all.
    public var isDamage: Bool { code & 0xff == SQLITE_CORRUPT || code & 0xff == SQLITE_NOTADB }

    /// SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock; worth retrying.
    public var isBusy: Bool { code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED }
}

/// One SQLite connection (sqlite3_open_v2 / sqlite3_close_v2). Used by one thread at a time.
public final class SQLiteDatabase {
    /// How a connection opens its file.
    public enum OpenMode: Sendable {
        /// SQLITE_OPEN_READONLY: reads; SQLite may still create the -wal and -shm files of a
        /// database in WAL mode.
        case readOnly
        /// SQLITE_OPEN_READONLY with the `immutable=1` URI parameter: reads without locking and
        /// without creating or reading any file but the database itself, so the file and its
        /// directory are left exactly as they were. Only for a file nothing writes meanwhile.
        case readOnlyUntouched
        /// SQLITE_OPEN_READWRITE: the file must exist.
        case readWrite
        /// SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE: creates the file when it is missing.
        case readWriteCreate
    }

    let handle: OpaquePointer

    public convenience init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        try self.init(path: path, mode: readOnly ? .readOnly : .readWriteCreate)
    }

    public init(path: String, mode: OpenMode) throws(SQLiteError) {
        var handle: OpaquePointer?
        let code: Int32
        switch mode {
        case .readOnly:
            code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        case .readOnlyUntouched:
            let uri = "file:" + Self.uriEscaped(path) + "?immutable=1"
            code = sqlite3_open_v2(uri, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
        case .readWrite:
            code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        case .readWriteCreate:
            code = sqlite3_open_v2(
                path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        }
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            let systemErrno = handle.map { sqlite3_system_errno($0) } ?? 0
            sqlite3_close_v2(handle)
            throw SQLiteError(
                code: code, message: Self.explained(message, systemErrno: systemErrno), systemErrno: systemErrno)
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

    /// sqlite3_prepare_v3, kept for reuse (SQLITE_PREPARE_PERSISTENT).
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, doing: sql) }
        return SQLiteStatement(statement, database: self)
    }

    /// sqlite3_changes64: rows the last INSERT, UPDATE or DELETE changed.
    public var changes: Int64 { sqlite3_changes64(handle) }

    /// sqlite3_last_insert_rowid.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// sqlite3_busy_timeout: how long a write waits for another connection's lock.
    public func setBusyTimeout(milliseconds: Int32) { sqlite3_busy_timeout(handle, milliseconds) }

    /// The first column of the first row of a query, as an integer.
    public func scalar(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.int64(0) : nil
    }

    func error(_ code: Int32, doing what: String) -> SQLiteError {
        let systemErrno = sqlite3_system_errno(handle)
        let message = Self.explained(String(cString: sqlite3_errmsg(handle)), systemErrno: systemErrno)
        let short = what.split(separator: "\n").first.map(String.init) ?? what
        return SQLiteError(code: code, message: "\(message) (\(short.prefix(60)))", systemErrno: systemErrno)
    }

    /// SQLite says "disk I/O error" for a directory and "unable to open database file" for
    /// most failed opens; the errno it saw (sqlite3_system_errno) says more. These numbers are
    /// the same on every Linux architecture.
    private static func explained(_ message: String, systemErrno: Int32) -> String {
        switch systemErrno {
        case 2: "\(message): No such file or directory"
        case 13: "\(message): Permission denied"
        case 20: "\(message): Not a directory"
        case 21: "\(message): Is a directory"
        case 30: "\(message): Read-only file system"
        default: message
        }
    }

    /// A path as a `file:` URI path: `%`, `?` and `#` would otherwise end or change it.
    static func uriEscaped(_ path: String) -> String {
        var escaped = ""
        for character in path {
            switch character {
            case "%": escaped += "%25"
            case "?": escaped += "%3f"
            case "#": escaped += "%23"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// A value bound to a statement parameter.
public enum SQLiteValue: Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public static func int<T: BinaryInteger>(_ value: T?) -> SQLiteValue? {
        value.map { .integer(Int64(clamping: $0)) }
    }
    public static func bool(_ value: Bool?) -> SQLiteValue? { value.map { .integer($0 ? 1 : 0) } }
    public static func string(_ value: String?) -> SQLiteValue? { value.map { .text($0) } }
    public static func double(_ value: Double?) -> SQLiteValue? { value.map { .real($0) } }
}
