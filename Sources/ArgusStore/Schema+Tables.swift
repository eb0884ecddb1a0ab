extension Schema {
    /// Each table's column names (lowercased) after the first `version` migrations, read back
    /// from an in-memory database that ran them.
    static func tables(atVersion version: Int) throws(SQLiteError) -> [String: Set<String>] {
        let database = try SQLiteDatabase(path: ":memory:")
        try migrate(database, upTo: version)
        return try tables(in: database)
    }

    /// The tables of a database with their column names, lowercased as SQLite compares them
    /// (sqlite_master joined with PRAGMA table_info).
    static func tables(in database: SQLiteDatabase) throws(SQLiteError) -> [String: Set<String>] {
        let statement = try database.prepare(
            """
            SELECT lower(m.name), lower(c.name) FROM sqlite_master m, pragma_table_info(m.name) c
            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
            """)
        var tables: [String: Set<String>] = [:]
        while try statement.step() {
            guard let table = statement.text(0), let column = statement.text(1) else { continue }
            tables[table, default: []].insert(column)
        }
        return tables
    }
}
