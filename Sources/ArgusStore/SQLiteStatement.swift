import CSQLite

/// `SQLITE_TRANSIENT` does not import: SQLite copies the bound bytes before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement (sqlite3_prepare_v3 / sqlite3_finalize), reused with reset().
public final class SQLiteStatement {
    private let statement: OpaquePointer
    private let database: SQLiteDatabase

    init(_ statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    /// Binds values to ?1, ?2, ... in order; nil binds NULL. Text and blobs are bound with
    /// their byte counts (sqlite3_bind_text64 / sqlite3_bind_blob64), so a NUL inside is kept.
    public func bind(_ values: [SQLiteValue?]) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case nil: sqlite3_bind_null(statement, index)
            case .integer(let number)?: sqlite3_bind_int64(statement, index, number)
            case .real(let number)?: sqlite3_bind_double(statement, index, number)
            case .text(var text)?:
                text.withUTF8 { bytes in
                    // An empty buffer may have no address, and a NULL pointer would bind NULL.
                    guard let start = bytes.baseAddress else {
                        _ = sqlite3_bind_text64(statement, index, "", 0, transient, UInt8(SQLITE_UTF8))
                        return
                    }
                    start.withMemoryRebound(to: CChar.self, capacity: bytes.count) { characters in
                        _ = sqlite3_bind_text64(
                            statement, index, characters, UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let bytes)?:
                bytes.withUnsafeBytes { raw in
                    guard let start = raw.baseAddress else {
                        _ = sqlite3_bind_zeroblob(statement, index, 0)
                        return
                    }
                    _ = sqlite3_bind_blob64(statement, index, start, UInt64(raw.count), transient)
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

    /// Binds `values` and collects every row the statement yields, each made by `row`.
    public func rows<Row>(_ values: [SQLiteValue?] = [], _ row: (SQLiteStatement) -> Row) throws(SQLiteError) -> [Row] {
        bind(values)
        var rows: [Row] = []
        while try step() { rows.append(row(self)) }
        return rows
    }

    /// Binds, runs to completion and resets: one INSERT or UPDATE.
    public func run(_ values: [SQLiteValue?]) throws(SQLiteError) {
        bind(values)
        defer { sqlite3_reset(statement) }
        try step()
    }

    /// sqlite3_column_int64; nil for NULL.
    public func int64(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    /// sqlite3_column_double; nil for NULL.
    public func double(_ column: Int32) -> Double? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_double(statement, column)
    }

    /// sqlite3_column_blob with sqlite3_column_bytes; nil for NULL.
    public func blob(_ column: Int32) -> [UInt8]? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// sqlite3_column_text with sqlite3_column_bytes: the whole text, NULs included; bytes that
    /// are not UTF-8 become U+FFFD. nil for NULL.
    public func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(statement, column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}
