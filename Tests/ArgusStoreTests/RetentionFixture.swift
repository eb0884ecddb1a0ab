import ArgusStore

/// Databases filled with sessions a day apart, every table holding rows of each, written
/// directly with their timestamps.
enum RetentionFixture {
    static let day: Int64 = 86_400_000_000_000
    static let now: Int64 = 1_769_523_825_000_000_000

    /// `days` ended sessions, the first started `days` days before `now`, one a day, each with
    /// `rows` samples and a few rows in every other table (a stall with a snapshot, its thread
    /// and process); plus, when `live`, a session that started 59 days ago and has not ended.
    /// Returns the live session's id.
    @discardableResult
    static func fill(_ path: String, days: Int = 60, rows: Int = 40, live: Bool = true) throws -> Int64? {
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA journal_mode = WAL")
        try Schema.migrate(database)
        try database.execute("BEGIN")
        var liveID: Int64?
        for index in 0..<days {
            let started = now - Int64(days - index) * day
            try addSession(database, started: started, ended: started + 3_600_000_000_000, rows: rows)
            if live && index == 1 {
                liveID = try addSession(database, started: started, ended: nil, rows: rows)
            }
        }
        try database.execute("COMMIT")
        return liveID
    }

    @discardableResult
    static func addSession(_ database: SQLiteDatabase, started: Int64, ended: Int64?, rows: Int) throws -> Int64 {
        try database.prepare(
            "INSERT INTO sessions (started_at, started_ns, ended_ns, mode, arguments, version) VALUES ('t', ?1, ?2, 'watch', '[]', 'test')"
        ).run([.integer(started), ended.map { .integer($0) }])
        let id = database.lastInsertRowID
        let series = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))"
        let at = "\(started) + i * 1000000000"
        try database.execute(
            """
            \(series) INSERT INTO performance_metrics (timestamp, app_name, process_name, process_id, cpu_percent,
                memory_mb, thread_count, hostname, session_id, timestamp_ns)
            SELECT 't', 'App', 'app', 42, 1.5, 10, 3, hex(randomblob(200)), \(id), \(at) FROM n;
            \(series) INSERT INTO log_entries (timestamp, app_name, process_name, process_id, log_line, session_id, timestamp_ns)
            SELECT 't', 'App', 'app', 42, hex(randomblob(100)), \(id), \(at) FROM n;
            \(series) INSERT INTO fine_samples (session_id, process_id, timestamp, timestamp_ns, thread_id)
            SELECT \(id), 42, 't', \(at), i FROM n;
            \(series) INSERT INTO group_samples (session_id, timestamp, timestamp_ns) SELECT \(id), 't', \(at) FROM n;
            INSERT INTO process_events (timestamp, app_name, process_name, process_id, event_type, session_id, timestamp_ns)
            VALUES ('t', 'App', 'app', 42, 'terminated', \(id), \(started));
            INSERT INTO processes (session_id, pid, started_at, started_ns) VALUES (\(id), 42, 't', \(started));
            INSERT INTO stalls (session_id, process_id, kind, started_at, started_ns, trigger)
            VALUES (\(id), 42, 'stopped', 't', \(started), 'x');
            INSERT INTO stall_snapshots (stall_id, snapshot_type, captured_at, captured_ns)
            VALUES (last_insert_rowid(), 'entry', 't', \(started));
            INSERT INTO stall_threads (snapshot_id, thread_id) VALUES (last_insert_rowid(), 43);
            INSERT INTO stall_processes (snapshot_id, process_id)
            SELECT max(id), 42 FROM stall_snapshots;
            """)
        return id
    }

    /// Per table, the rows whose owner (session, stall or snapshot) is gone.
    static let orphanQueries: [String: String] = [
        "performance_metrics":
            "SELECT count(*) FROM performance_metrics WHERE session_id NOT IN (SELECT id FROM sessions)",
        "log_entries": "SELECT count(*) FROM log_entries WHERE session_id NOT IN (SELECT id FROM sessions)",
        "process_events": "SELECT count(*) FROM process_events WHERE session_id NOT IN (SELECT id FROM sessions)",
        "processes": "SELECT count(*) FROM processes WHERE session_id NOT IN (SELECT id FROM sessions)",
        "stalls": "SELECT count(*) FROM stalls WHERE session_id NOT IN (SELECT id FROM sessions)",
        "fine_samples": "SELECT count(*) FROM fine_samples WHERE session_id NOT IN (SELECT id FROM sessions)",
        "group_samples": "SELECT count(*) FROM group_samples WHERE session_id NOT IN (SELECT id FROM sessions)",
        "stall_snapshots": "SELECT count(*) FROM stall_snapshots WHERE stall_id NOT IN (SELECT id FROM stalls)",
        "stall_threads": "SELECT count(*) FROM stall_threads WHERE snapshot_id NOT IN (SELECT id FROM stall_snapshots)",
        "stall_processes":
            "SELECT count(*) FROM stall_processes WHERE snapshot_id NOT IN (SELECT id FROM stall_snapshots)",
    ]

    static func orphans(in path: String) throws -> [String: Int64] {
        let database = try SQLiteDatabase(path: path, readOnly: true)
        var found: [String: Int64] = [:]
        for (table, query) in orphanQueries { found[table] = try database.scalar(query) ?? -1 }
        return found
    }

    /// The ids of the sessions left, and how many rows each table holds for the session `id`.
    static func sessionIDs(in path: String) throws -> [Int64] {
        let database = try SQLiteDatabase(path: path, readOnly: true)
        let statement = try database.prepare("SELECT id FROM sessions ORDER BY id")
        var ids: [Int64] = []
        while try statement.step() { ids.append(statement.int64(0) ?? 0) }
        return ids
    }

    static func rows(of session: Int64, in path: String) throws -> [Int64] {
        let database = try SQLiteDatabase(path: path, readOnly: true)
        return try ["performance_metrics", "log_entries", "fine_samples", "group_samples", "stalls", "processes"].map {
            try database.scalar("SELECT count(*) FROM \($0) WHERE session_id = \(session)") ?? -1
        }
    }
}
