import ArgusCore
import ArgusStore
import Testing

/// A database written by any older argus-trace, with rows in every table it had, is migrated
/// when a writer opens it: the rows stay and the new columns appear.
@Suite struct MigrationTests {
    func tables(_ database: SQLiteDatabase) throws -> [String] {
        let statement = try database.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        var names: [String] = []
        while try statement.step() { names.append(statement.text(0) ?? "") }
        return names
    }

    func columns(_ table: String, _ database: SQLiteDatabase) throws -> Set<String> {
        let statement = try database.prepare("SELECT name FROM pragma_table_info('\(table)')")
        var names: Set<String> = []
        while try statement.step() { names.insert(statement.text(0) ?? "") }
        return names
    }

    /// Inserts one row into `table`, with a value for every column that must have one.
    func insertRow(_ table: String, _ database: SQLiteDatabase) throws {
        let statement = try database.prepare(
            "SELECT name, type FROM pragma_table_info('\(table)') WHERE \"notnull\" = 1 AND dflt_value IS NULL AND pk = 0"
        )
        var names: [String] = []
        var values: [String] = []
        while try statement.step() {
            names.append(statement.text(0) ?? "")
            switch statement.text(1) ?? "" {
            case "INTEGER": values.append("1")
            case "REAL": values.append("1.5")
            default: values.append("'old'")
            }
        }
        try database.execute(
            "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))")
    }

    @Test(arguments: 1..<Schema.version)
    func aDatabaseWithRowsAtAnOlderVersionIsMigrated(version: Int) throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/v\(version).db"
        var oldTables: [String] = []
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA journal_mode = WAL")
            try Schema.migrate(database, upTo: version)
            #expect(try database.scalar("PRAGMA user_version") == Int64(version))
            oldTables = try tables(database)
            for table in oldTables { try insertRow(table, database) }
        }
        #expect(oldTables.contains("performance_metrics"))

        let writer = try Fixtures.writer(path)
        writer.submit(Fixtures.metric(0), urgent: true)
        #expect(writer.close().unsaved == 0)

        let database = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try database.scalar("PRAGMA user_version") == Int64(Schema.version))
        for table in oldTables {
            let expected: Int64 = table == "sessions" || table == "performance_metrics" ? 2 : 1
            #expect(try database.scalar("SELECT count(*) FROM \(table)") == expected, "\(table)")
        }
        let current = try SQLiteDatabase(path: ":memory:")
        try Schema.migrate(current)
        for table in try tables(current) {
            #expect(try columns(table, database) == columns(table, current), "\(table)")
        }
        #expect(
            try columns("sessions", database).isSuperset(
                of: [
                    "bpf_events_lost", "writer_peak_backlog_rows", "writer_peak_backlog_bytes", "rows_unsaved",
                    "restarts",
                ]))
        #expect(try tables(database).contains("group_samples"))
        #expect(try columns("process_events", database).contains("generation"))
        #expect(try columns("processes", database).contains("generation"))
    }

    /// Version 6 (the schema before groups) with rows: they keep their values, their new columns
    /// are NULL, and the writer then stores group rows, generations and restarts in the same file.
    @Test func aVersion6DatabaseGainsGroupsAndGenerations() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/v6.db"
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA journal_mode = WAL")
            try Schema.migrate(database, upTo: 6)
            #expect(try !tables(database).contains("group_samples"))
            #expect(try !columns("process_events", database).contains("generation"))
            for table in try tables(database) { try insertRow(table, database) }
            try database.execute("UPDATE sessions SET bpf_events_lost = 3")
        }

        let writer = try Fixtures.writer(path)
        writer.submit([
            Fixtures.groupSample(generation: 2),
            .event(
                ProcessEventRecord(
                    time: WallTime(nanoseconds: 1_769_523_840_000_000_000), appName: "Service",
                    processName: "service", pid: 7, type: .restarted, generation: 2)),
            .session(SessionUpdate(restarts: 1)),
        ])
        #expect(writer.close().unsaved == 0)

        let database = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try database.scalar("PRAGMA user_version") == Int64(Schema.version))
        #expect(try database.scalar("SELECT count(*) FROM group_samples") == 1)
        #expect(try database.scalar("SELECT generation FROM group_samples") == 2)
        #expect(try database.scalar("SELECT generation FROM process_events WHERE event_type = 'restarted'") == 2)
        // The old rows are there as they were, with NULL in the new columns.
        #expect(try database.scalar("SELECT count(*) FROM process_events WHERE event_type = 'old'") == 1)
        #expect(try database.scalar("SELECT count(*) FROM process_events WHERE generation IS NULL") == 1)
        #expect(try database.scalar("SELECT count(*) FROM processes WHERE generation IS NULL AND comm IS NULL") == 1)
        #expect(
            try database.scalar("SELECT count(*) FROM sessions WHERE bpf_events_lost = 3 AND restarts IS NULL") == 1)
        #expect(try database.scalar("SELECT count(*) FROM sessions WHERE restarts = 1") == 1)
        let index = "SELECT count(*) FROM pragma_index_list('group_samples') WHERE name = 'idx_group_samples_time'"
        #expect(try database.scalar(index) == 1)
    }

    @Test func migratingUpToAVersionStopsThere() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try Schema.migrate(database, upTo: 2)
        #expect(try database.scalar("PRAGMA user_version") == 2)
        try Schema.migrate(database)
        #expect(try database.scalar("PRAGMA user_version") == Int64(Schema.version))
    }
}
