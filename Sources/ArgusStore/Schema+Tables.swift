extension Schema {
    /// `digest` of the tables and columns the migrations give at `version`: a database at
    /// `version` whose tables digest to it has exactly those, so DatabaseProbe need not run the
    /// migrations in memory to know it (about 6 ms, most of a start: every ALTER TABLE re-reads
    /// the schema). SchemaDigestTests checks it against the migrations (as a new database gets them,
    /// folded; SchemaTests checks that is what they give one by one); a new migration changes it.
    static let latestTablesDigest: UInt64 = 0xf3a5_026f_1ac6_493a

    /// `definitionsDigest` of a database this version created (Schema.newDatabaseScript): one
    /// whose CREATE TABLE texts digest to it has this version's tables and columns, and
    /// DatabaseProbe knows it without listing the columns (pragma_table_info for every table,
    /// about 0.7 ms of every start). A database that earlier versions created and the
    /// migrations brought here has other texts (ALTER TABLE edits them): `latestTablesDigest`
    /// is then checked. SchemaDigestTests checks it; a new migration changes it.
    static let latestDefinitionsDigest: UInt64 = 0xe0a8_5e01_2218_73fe

    /// FNV-1a (64-bit) over "table.column" lines in sorted order.
    static func digest(_ tables: [String: Set<String>]) -> UInt64 {
        var hash = FNV1a()
        for table in tables.keys.sorted() {
            for column in tables[table, default: []].sorted() { hash.add("\(table).\(column)\n") }
        }
        return hash.value
    }

    /// FNV-1a (64-bit) over each table's name and CREATE TABLE text, as sqlite_master holds
    /// them, in the order of the names (SQLite's own tables left out).
    static func definitionsDigest(in database: SQLiteDatabase) throws(SQLiteError) -> UInt64 {
        let statement = try database.prepare(
            """
            SELECT name, sql FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name
            """)
        var hash = FNV1a()
        while try statement.step() {
            hash.add("\(statement.text(0) ?? "")\n\(statement.text(1) ?? "")\n")
        }
        return hash.value
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

/// The 64-bit FNV-1a hash of the bytes added.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    }
}
