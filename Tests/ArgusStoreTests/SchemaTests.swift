import ArgusStore
import Glibc
import Testing

@Suite struct SchemaTests {
    func columns(_ table: String, _ database: SQLiteDatabase) throws -> [String] {
        let statement = try database.prepare("SELECT name FROM pragma_table_info('\(table)') ORDER BY cid")
        var names: [String] = []
        while try statement.step() { names.append(statement.text(0)!) }
        return names
    }

    func indexes(_ table: String, _ database: SQLiteDatabase) throws -> Set<String> {
        let statement = try database.prepare("SELECT name FROM pragma_index_list('\(table)')")
        var names: Set<String> = []
        while try statement.step() { names.insert(statement.text(0)!) }
        return names
    }

    /// Every table's columns (position, name, type, NOT NULL, default, key) and indexes (name,
    /// unique, origin, columns in order), one line each.
    func structure(_ database: SQLiteDatabase) throws -> [String] {
        let statement = try database.prepare(
            """
            SELECT m.name, c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk
            FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' ORDER BY m.name, c.cid
            """)
        var lines: [String] = []
        while try statement.step() {
            lines.append((0..<7).map { statement.text($0) ?? "NULL" }.joined(separator: " | "))
        }
        let indexes = try database.prepare(
            """
            SELECT m.name, l.name, l."unique", l.origin, i.seqno, i.name
            FROM sqlite_master m, pragma_index_list(m.name) l, pragma_index_info(l.name) i
            WHERE m.type = 'table' ORDER BY m.name, l.name, i.seqno
            """)
        while try indexes.step() {
            lines.append((0..<6).map { indexes.text($0) ?? "NULL" }.joined(separator: " | "))
        }
        return lines
    }

    @Test func aNewDatabaseGetsWhatTheMigrationsOneByOneGive() throws {
        let new = try SQLiteDatabase(path: ":memory:")
        try Schema.migrate(new)  // version 0 to the latest: the folded script
        let stepped = try SQLiteDatabase(path: ":memory:")
        try Schema.migrate(stepped, upTo: 1)
        try Schema.migrate(stepped)  // 1 to the latest: one migration at a time
        let expected = try structure(stepped)
        #expect(expected.count > 100)
        #expect(try structure(new) == expected)
        #expect(try new.scalar("PRAGMA user_version") == Int64(Schema.version))
    }

    @Test func keepsEveryGazeColumnInOrderWithItsIndexes() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try Schema.migrate(database)
        let gaze: [String: [String]] = [
            "performance_metrics": [
                "id", "timestamp", "app_name", "process_name", "process_id", "cpu_percent", "memory_mb",
                "thread_count", "hostname", "created_at",
            ],
            "log_entries": [
                "id", "timestamp", "app_name", "process_name", "process_id", "log_line", "logfile_path", "hostname",
                "created_at",
            ],
            "process_events": [
                "id", "timestamp", "app_name", "process_name", "process_id", "event_type", "exit_code", "hostname",
                "created_at",
            ],
        ]
        for (table, expected) in gaze {
            #expect(Array(try columns(table, database).prefix(expected.count)) == expected, "\(table)")
        }
        #expect(
            try indexes("performance_metrics", database).isSuperset(
                of: ["idx_metrics_timestamp", "idx_metrics_app", "idx_metrics_process_id"]))
        #expect(
            try indexes("log_entries", database).isSuperset(of: [
                "idx_logs_timestamp", "idx_logs_app", "idx_logs_process_id",
            ]))
        #expect(
            try indexes("process_events", database).isSuperset(of: [
                "idx_events_timestamp", "idx_events_app", "idx_events_type",
            ]))
    }

    @Test func gazeColumnsKeepTheirTypesAndNullability() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try Schema.migrate(database)
        let statement = try database.prepare(
            "SELECT name, type, \"notnull\" FROM pragma_table_info('performance_metrics') WHERE cid < 10 ORDER BY cid")
        var described: [String] = []
        while try statement.step() {
            described.append("\(statement.text(0)!) \(statement.text(1)!) \(statement.int64(2)!)")
        }
        #expect(
            described == [
                "id INTEGER 0", "timestamp TEXT 1", "app_name TEXT 1", "process_name TEXT 1", "process_id INTEGER 1",
                "cpu_percent REAL 1", "memory_mb REAL 1", "thread_count INTEGER 1", "hostname TEXT 0",
                "created_at TEXT 0",
            ])
    }

    @Test func migratingTwiceChangesNothing() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try Schema.migrate(database)
        try Schema.migrate(database)
        #expect(try database.scalar("PRAGMA user_version") == Int64(Schema.version))
    }

    @Test func aDatabaseFromANewerVersionIsRefused() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try database.execute("PRAGMA user_version = 999")
        #expect(throws: SQLiteError.self) { try Schema.migrate(database) }
    }

    @Test func aFileThatIsNotADatabaseIsAnError() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/garbage.db"
        let garbage = String(repeating: "this is not sqlite ", count: 100)
        garbage.withCString { text in
            let file = fopen(path, "w")
            fputs(text, file)
            fclose(file)
        }
        #expect(throws: SQLiteError.self) {
            let database = try SQLiteDatabase(path: path)
            try Schema.migrate(database)
        }
    }
}
