import ArgusCore

/// Gaze's `--server` outbox: the database itself. Reads a session's committed rows of Gaze's
/// three tables after the server's cursors, in id order within each table, and moves a cursor
/// past a row once the server has taken it. Its own connection (WAL: it reads while a recorder
/// writes; its cursor writes wait for the recorder's lock, up to `busyTimeoutMs`).
public final class UploadOutbox {
    /// One row to send: where it is, and its payload.
    public struct Row: Sendable, Equatable {
        public var table: Table
        public var id: Int64
        public var timestampNs: Int64
        public var payload: GazeIngest
    }

    public enum Table: String, Sendable, CaseIterable {
        case metrics = "performance_metrics"
        case logs = "log_entries"
        case events = "process_events"
    }

    public let server: String
    let database: SQLiteDatabase
    private let advance: SQLiteStatement
    private var reads: [Table: SQLiteStatement] = [:]
    private var counts: [Table: SQLiteStatement] = [:]

    /// Opens the database at `path`, which must exist and be argus-trace's (checked as the
    /// recorder checks it), and brings its schema up to date (the cursor table).
    public init(path: String, server: String, busyTimeoutMs: Int32 = 5_000) throws(StoreRefusal) {
        guard DatabaseProbe.exists(path) else { throw StoreRefusal(path: path, reason: "no such database") }
        try DatabaseProbe.check(path)
        self.server = server
        do {
            database = try SQLiteDatabase(path: path, mode: .readWrite)
            database.setBusyTimeout(milliseconds: busyTimeoutMs)
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("PRAGMA synchronous = NORMAL")
            try Schema.migrate(database)
            advance = try database.prepare(
                """
                INSERT INTO upload_cursors (session_id, server, table_name, last_id, updated_ns) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (session_id, server, table_name) DO UPDATE SET last_id = max(last_id, excluded.last_id),
                    updated_ns = excluded.updated_ns
                """)
            let columns = "id, coalesce(timestamp_ns, 0), timestamp, app_name, process_name, process_id, hostname"
            let extra: [Table: String] = [
                .metrics: "cpu_percent, memory_mb, thread_count", .logs: "log_line, logfile_path",
                .events: "event_type, exit_code",
            ]
            for table in Table.allCases {
                let after = """
                    WHERE session_id = ?1 AND id > coalesce((SELECT last_id FROM upload_cursors
                        WHERE session_id = ?1 AND server = ?2 AND table_name = '\(table.rawValue)'), 0)
                    """
                reads[table] = try database.prepare(
                    "SELECT \(columns), \(extra[table] ?? "") FROM \(table.rawValue) \(after) ORDER BY id LIMIT ?3")
                counts[table] = try database.prepare("SELECT count(*) FROM \(table.rawValue) \(after)")
            }
        } catch {
            throw StoreRefusal(path: path, reason: "cannot open it for the upload: \(error.message)")
        }
    }

    /// Up to `limit` rows of each table still to send for `session`, merged by time (each
    /// table's rows stay in id order).
    public func pending(session: Int64, limit: Int = 200) throws(SQLiteError) -> [Row] {
        var streams: [[Row]] = []
        for table in Table.allCases {
            guard let statement = reads[table] else { continue }
            statement.bind([.integer(session), .text(server), .integer(Int64(limit))])
            var rows: [Row] = []
            while try statement.step() { rows.append(row(table, statement)) }
            streams.append(rows)
        }
        // A merge that takes the earliest head: within a stream the id order is kept.
        var heads = Array(repeating: 0, count: streams.count)
        var merged: [Row] = []
        while true {
            var best: Int?
            for index in streams.indices where heads[index] < streams[index].count {
                let candidate = streams[index][heads[index]]
                if best.map({ candidate.timestampNs < streams[$0][heads[$0]].timestampNs }) ?? true { best = index }
            }
            guard let best else { break }
            merged.append(streams[best][heads[best]])
            heads[best] += 1
        }
        return merged
    }

    /// Starts the session's cursors at 0 where it has none, so that retention keeps its rows
    /// until they are sent even when the server never took one.
    public func register(session: Int64, atNs: Int64) throws(SQLiteError) {
        let statement = try database.prepare(
            """
            INSERT INTO upload_cursors (session_id, server, table_name, last_id, updated_ns) VALUES (?1, ?2, ?3, 0, ?4)
            ON CONFLICT (session_id, server, table_name) DO NOTHING
            """)
        for table in Table.allCases {
            try statement.run([.integer(session), .text(server), .text(table.rawValue), .integer(atNs)])
        }
    }

    /// Records that the server took `row` (and so every earlier row of its table).
    public func sent(_ row: Row, session: Int64, atNs: Int64) throws(SQLiteError) {
        try advance.run([.integer(session), .text(server), .text(row.table.rawValue), .integer(row.id), .integer(atNs)])
    }

    /// How many of the session's rows are still to send.
    public func remaining(session: Int64) throws(SQLiteError) -> Int {
        var total: Int64 = 0
        for table in Table.allCases {
            guard let statement = counts[table] else { continue }
            statement.bind([.integer(session), .text(server)])
            if try statement.step() { total += statement.int64(0) ?? 0 }
            _ = try statement.step()
        }
        return Int(total)
    }

    /// Every session of the database, oldest first.
    /// Every session's id, and whether it ended (a session without an end is still recording, or
    /// its recorder was killed before it could close it).
    public func sessions() throws(SQLiteError) -> [(id: Int64, ended: Bool)] {
        let statement = try database.prepare("SELECT id, ended_ns IS NOT NULL FROM sessions ORDER BY id")
        var sessions: [(id: Int64, ended: Bool)] = []
        while try statement.step() {
            if let id = statement.int64(0) { sessions.append((id, statement.int64(1) == 1)) }
        }
        return sessions
    }

    private func row(_ table: Table, _ statement: SQLiteStatement) -> Row {
        let common = GazeIngest.Common(
            timestamp: statement.text(2) ?? "", appName: statement.text(3) ?? "", processName: statement.text(4) ?? "",
            processID: statement.int64(5) ?? 0, hostname: statement.text(6))
        let payload: GazeIngest
        switch table {
        case .metrics:
            payload = .performanceMetric(
                common, cpuPercent: statement.double(7) ?? 0, memoryMB: statement.double(8) ?? 0,
                threadCount: statement.int64(9) ?? 0)
        case .logs:
            payload = .logEntry(common, logLine: statement.text(7) ?? "", logfilePath: statement.text(8))
        case .events:
            payload = .processEvent(common, eventType: statement.text(7) ?? "", exitCode: statement.int64(8))
        }
        return Row(table: table, id: statement.int64(0) ?? 0, timestampNs: statement.int64(1) ?? 0, payload: payload)
    }
}
