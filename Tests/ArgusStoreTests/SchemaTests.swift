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
