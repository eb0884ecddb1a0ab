extension Schema {
    /// `digest` of the tables and columns the migrations give at `version`: a database at
    /// `version` whose tables digest to it has exactly those, so DatabaseProbe need not run the
    /// migrations in memory to know it (about 6 ms, most of a start: every ALTER TABLE re-reads
    /// the schema). SchemaDigestTests checks it against the migrations (as a new database gets them,
    /// folded; SchemaTests checks that is what they give one by one); a new migration changes it.
    static let latestTablesDigest: UInt64 = 0xf3a5_026f_1ac6_493a

    /// FNV-1a (64-bit) over "table.column" lines in sorted order.
    static func digest(_ tables: [String: Set<String>]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for table in tables.keys.sorted() {
            for column in tables[table, default: []].sorted() {
                for byte in "\(table).\(column)\n".utf8 {
                    hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
                }
            }
        }
        return hash
    }

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
