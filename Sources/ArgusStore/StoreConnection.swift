import ArgusCore

/// The writer's connection: opens the database, migrates it, and inserts records with prepared
/// statements. It holds no session state: the session row and the stall rows are the writer
/// thread's (`SessionRows`), so a new connection after a failure goes on with them.
final class StoreConnection {
    let database: SQLiteDatabase
    private let hostname: String
    private let insertMetric: SQLiteStatement
    private let insertEvent: SQLiteStatement
    private let insertLog: SQLiteStatement
    private let updateSession: SQLiteStatement
    private let insertProcess: SQLiteStatement
    private let insertGroupSample: SQLiteStatement
    private var preparedStalls: StallStatements?
    private var preparedAlerts: AlertStatements?

    /// Opens the database at `path` (sqlite3_open_v2; `create` makes the file when it is
    /// missing, with the process's umask: the caller prepares the path) and writes nothing to
    /// it yet (reading a database in WAL mode makes SQLite create its -wal and -shm files,
    /// removed again when the connection closes).
    /// `busyTimeoutMs` is how long a write waits for another connection's lock
    /// (sqlite3_busy_timeout).
    static func open(path: String, create: Bool, busyTimeoutMs: Int32) throws(SQLiteError) -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: path, mode: create ? .readWriteCreate : .readWrite)
        database.setBusyTimeout(milliseconds: busyTimeoutMs)
        // First: the pragmas of init may write, and a commit at the default (FULL) waits for an
        // fdatasync that NORMAL leaves to the checkpoints.
        try database.execute("PRAGMA synchronous = NORMAL")
        return database
    }

    /// `open`, then `init(database:hostname:)`.
    convenience init(path: String, hostname: String, create: Bool, busyTimeoutMs: Int32) throws(SQLiteError) {
        try self.init(
            database: Self.open(path: path, create: create, busyTimeoutMs: busyTimeoutMs), hostname: hostname)
    }

    /// Switches an opened database to WAL, brings its schema up to date, gives it argus-trace's
    /// application_id if it has none, and prepares the statements.
    init(database: SQLiteDatabase, hostname: String) throws(SQLiteError) {
        self.database = database
        // A new file gives pages freed by a prune back at once (PRAGMA incremental_vacuum); on
        // a file that has tables already this takes effect only after a VACUUM (prune --vacuum).
        // Set only when it is not set yet: setting it rewrites the header page (a transaction,
        // and the first frame of a new WAL, which SQLite syncs) at every start.
        if try database.scalar("PRAGMA auto_vacuum") != 2 {
            try database.execute("PRAGMA auto_vacuum = INCREMENTAL")
        }
        try database.execute("PRAGMA journal_mode = WAL")
        try Schema.migrate(database)
        try Schema.stamp(database)
        self.hostname = hostname

        insertMetric = try database.prepare(
            """
            INSERT INTO performance_metrics (timestamp, app_name, process_name, process_id, cpu_percent, memory_mb,
                thread_count, hostname, session_id, timestamp_ns, start_time_ticks, vms_mb, open_fds,
                ctx_switches_voluntary, ctx_switches_involuntary, minor_faults, major_faults, read_bytes,
                write_bytes, state, cpu_time_ns, bpf_oncpu_ns, bpf_runq_delay_ns, bpf_runq_delay_max_ns,
                bpf_switches_voluntary, bpf_switches_involuntary, bpf_faults_user, bpf_runq_histogram)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
                ?22, ?23, ?24, ?25, ?26, ?27, ?28)
            """)
        insertEvent = try database.prepare(
            """
            INSERT INTO process_events (timestamp, app_name, process_name, process_id, event_type, exit_code,
                hostname, session_id, timestamp_ns, signal, core_dumped, parent_pid, start_time_ticks, source, detail,
                bpf_exit_code, generation)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
            """)
        insertLog = try database.prepare(
            """
            INSERT INTO log_entries (timestamp, app_name, process_name, process_id, log_line, logfile_path,
                hostname, session_id, timestamp_ns, file_offset, file_inode, partial, log_line_raw, read_late)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
            """)
        insertProcess = try database.prepare(
            """
            INSERT INTO processes (session_id, pid, parent_pid, comm, exe, argv, started_at, started_ns, ended_at,
                ended_ns, exit_code, signal, core_dumped, status_source, execs, generation)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
            """)
        insertGroupSample = try database.prepare(
            """
            INSERT INTO group_samples (session_id, timestamp, timestamp_ns, hostname, app_name, generation,
                process_count, cpu_percent_total, cpu_percent_avg, memory_mb_total, memory_mb_avg, thread_count,
                processes_started, processes_ended)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
            """)
        updateSession = try database.prepare(
            """
            UPDATE sessions SET app_name = coalesce(?2, app_name), target_pid = coalesce(?3, target_pid),
                target_name = coalesce(?4, target_name), ended_at = coalesce(?5, ended_at),
                ended_ns = coalesce(?6, ended_ns), events_seen = coalesce(?7, events_seen),
                event_overflows = coalesce(?8, event_overflows), end_reason = coalesce(?9, end_reason),
                bpf_events_lost = coalesce(?10, bpf_events_lost),
                writer_peak_backlog_rows = coalesce(?11, writer_peak_backlog_rows),
                writer_peak_backlog_bytes = coalesce(?12, writer_peak_backlog_bytes),
                rows_unsaved = coalesce(?13, rows_unsaved), restarts = coalesce(?14, restarts)
            WHERE id = ?1
            """)
    }

    /// The stall rows' statements, prepared when the first stall is written: most sessions
    /// have none, and each INSERT into a table with indexes takes SQLite a while to compile.
    var stallStatements: StallStatements {
        get throws(SQLiteError) { try prepared(\.preparedStalls, StallStatements.init) }
    }

    /// The alert rows' statements, prepared when the first alert is written.
    var alertStatements: AlertStatements {
        get throws(SQLiteError) { try prepared(\.preparedAlerts, AlertStatements.init) }
    }

    /// What `cache` holds, or what `prepare` makes of the database, kept there for next time.
    private func prepared<Statements>(
        _ cache: ReferenceWritableKeyPath<StoreConnection, Statements?>,
        _ prepare: (SQLiteDatabase) throws(SQLiteError) -> Statements
    ) throws(SQLiteError) -> Statements {
        if let statements = self[keyPath: cache] { return statements }
        let statements = try prepare(database)
        self[keyPath: cache] = statements
        return statements
    }

    /// Inserts the session's row and returns its id.
    func beginSession(_ session: SessionInfo) throws(SQLiteError) -> SessionRows {
        try database.prepare(
            """
            INSERT INTO sessions (started_at, started_ns, mode, arguments, version, kernel, boot_id, hostname)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """
        ).run([
            .text(session.startedAt.iso8601), .integer(session.startedAt.nanoseconds), .text(session.mode),
            .text(JSONText.array(session.arguments)), .text(session.version), .text(session.kernel),
            .text(session.bootID), .text(session.hostname),
        ])
        return SessionRows(sessionID: database.lastInsertRowID)
    }

    /// Whether the session's row is in this database (it is not when the file was replaced).
    func hasSession(_ session: SessionRows) throws(SQLiteError) -> Bool {
        try database.scalar("SELECT count(*) FROM sessions WHERE id = \(session.sessionID)") == 1
    }

    /// Writes the writer's own numbers into the session row.
    func record(_ totals: WriterTotals, in session: SessionRows) throws(SQLiteError) {
        try updateSession.run(
            [.integer(session.sessionID)] + Array(repeating: nil, count: 9) + Self.values(totals) + [nil])
    }

    private static func values(_ totals: WriterTotals?) -> [SQLiteValue?] {
        [.int(totals?.peakBacklogRows), .int(totals?.peakBacklogBytes), .int(totals?.unsaved)]
    }

    /// Writes `records` in one transaction: all of them or none.
    /// `totals` go into the session row with a `.session` update that ends the session.
    func write(_ records: [Record], in session: inout SessionRows, totals: WriterTotals) throws(SQLiteError) {
        let committed = session
        try database.execute("BEGIN IMMEDIATE")
        do {
            for record in records { try insert(record, in: &session, totals: totals) }
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            session = committed
            throw error
        }
    }

    private func insert(_ record: Record, in session: inout SessionRows, totals: WriterTotals) throws(SQLiteError) {
        let sessionID = session.sessionID
        switch record {
        case .metric(let m):
            try insertMetric.run([
                .text(m.time.iso8601), .text(m.appName), .text(m.processName), .int(m.pid), .real(m.cpuPercent),
                .real(m.memoryMB), .int(m.threadCount), .text(hostname), .integer(sessionID),
                .integer(m.time.nanoseconds), .int(m.startTicks), .real(m.vmsMB), .int(m.openFds),
                .int(m.voluntarySwitches), .int(m.involuntarySwitches), .int(m.minorFaults), .int(m.majorFaults),
                .int(m.readBytes), .int(m.writeBytes), .text(m.state), .int(m.cpuTimeNs), .int(m.kernel?.oncpuNs),
                .int(m.kernel?.runqDelayNs), .int(m.kernel?.runqDelayMaxNs), .int(m.kernel?.switchesVoluntary),
                .int(m.kernel?.switchesInvoluntary), .int(m.kernel?.faultsUser),
                .string(m.kernel?.runqHistogram.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }),
            ])
        case .event(let e):
            try insertEvent.run([
                .text(e.time.iso8601), .text(e.appName), .text(e.processName), .int(e.pid), .text(e.type.rawValue),
                .int(e.exitCode), .text(hostname), .integer(sessionID), .integer(e.time.nanoseconds), .int(e.signal),
                .bool(e.coreDumped), .int(e.parentPid), .int(e.startTicks), .string(e.source), .string(e.detail),
                .int(e.bpfExitCode), .int(e.generation),
            ])
        case .log(let l):
            try insertLog.run([
                .text(l.time.iso8601), .text(l.appName), .text(l.processName), .int(l.pid), .text(l.line),
                .text(l.path), .text(hostname), .integer(sessionID), .integer(l.time.nanoseconds), .int(l.offset),
                .int(l.inode), .bool(l.partial), l.raw.map { .blob($0) }, .bool(l.readLate),
            ])
        case .process(let p):
            try insertProcess.run([
                .integer(sessionID), .int(p.pid), .int(p.parentPid), .string(p.comm), .string(p.exe),
                .string(p.argv.map(JSONText.array)), .text(p.started.iso8601), .integer(p.started.nanoseconds),
                .string(p.ended?.iso8601), .int(p.ended?.nanoseconds), .int(p.status?.shellCode),
                .int(p.status?.signal),
                .bool(p.status?.coreDumped), .string(p.statusSource), .int(p.execs), .int(p.generation),
            ])
        case .session(let s):
            try updateSession.run(
                [
                    .integer(sessionID), .string(s.appName), .int(s.targetPid), .string(s.targetName),
                    .string(s.endedAt?.iso8601), .int(s.endedAt?.nanoseconds), .int(s.eventsSeen),
                    .int(s.eventOverflows), .string(s.endReason), .int(s.bpfEventsLost),
                ] + Self.values(s.endedAt == nil ? nil : totals) + [.int(s.restarts)])
        case .groupSample(let g):
            try insertGroupSample.run([
                .integer(sessionID), .text(g.time.iso8601), .integer(g.time.nanoseconds), .text(hostname),
                .text(g.appName), .int(g.generation), .int(g.processCount), .real(g.cpuPercentTotal),
                .real(g.cpuPercentAverage), .real(g.memoryMBTotal), .real(g.memoryMBAverage), .int(g.threadCount),
                .int(g.processesStarted), .int(g.processesEnded),
            ])
        case .stall(let stall): try insert(stall, in: &session)
        case .stallEnd(let end): try update(end, in: session)
        case .stallSnapshot(let snapshot): try insert(snapshot, in: session)
        case .fineSamples(let samples): try insert(samples, in: session)
        case .alert(let alert): try insert(alert, in: session)
        case .alertCleared(let clear): try update(clear, in: session)
        }
    }
}
