/// The database schema and its migrations.
///
/// Invariants:
/// - Gaze's three tables (performance_metrics, log_entries, process_events) keep every column
///   and index of the Gaze v0.2 spec, with its names and types. argus-trace only adds columns
///   and tables; it never renames or drops one of Gaze's.
/// - Rows are raw readings and facts. Counters are cumulative as read from /proc; rates and
///   deltas are derived when read.
/// - Every row argus-trace writes carries `session_id` (the `sessions` row of the invocation
///   that wrote it) and `timestamp_ns` (nanoseconds since the epoch, for exact ordering; the
///   Gaze `timestamp` is the same instant in ISO 8601 with milliseconds).
/// - A log line is stored as text (decoded as UTF-8) and, only when its bytes are not valid
///   UTF-8, also as the exact bytes in `log_line_raw`; `file_inode` + `file_offset` identify it.
/// - `processes` has one row per process a `run` followed, written when it ended; `exit_code`
///   is the exit status or 128 + signal, as in process_events, and `argv` a JSON array.
/// - The `bpf_*` columns of performance_metrics are what the kernel counted since the previous
///   sample (deltas). Switches, faults (minor + major), on-CPU ns and run-queue wait ns are the
///   kernel's own counters read from /proc (the process's CPU clock and stat; each live thread's
///   status and schedstat: a thread's last switches and wait before it exits are not counted);
///   `bpf_runq_delay_max_ns` (the longest wait since attach) and `bpf_runq_histogram` (a JSON
///   array of waits by log2 microseconds) come from the opt-in sched_switch probe
///   (--runq-histogram) and are NULL without it. All NULL when BPF is off.
/// - A stall's `started_*` is when its condition began (the first sample that showed a thread
///   in D state, stopped or starved; the sample that crossed a rate threshold); `detected_*`
///   when it crossed its threshold. A stall row is written when the stall is detected and completed (ended_*, peak_*, end_reason)
///   when it ends; an open stall has NULL ended_ns. Its snapshots (entry, peak, checkpoint,
///   exit) hold every thread's state, wchan, syscall and kernel stack, the system's pressure
///   lines and its top CPU/I/O users (JSON arrays). `fine_samples` holds the sub-second samples
///   of each thread kept around stalls (cumulative counters, one row per thread per sample):
///   a stall's "before" is its process's rows in [started_ns - window_ns, started_ns).
/// - `sessions` counts what was lost (6): `bpf_events_lost` (BPF ring-buffer reserve failures,
///   from the runtime), `rows_unsaved` (rows the writer dropped or could not write) and the
///   writer's peak backlog (`writer_peak_backlog_rows`, `writer_peak_backlog_bytes`, the bytes
///   approximate); the writer fills its own three when the session ends or the writer closes.
/// - A watched service is followed across restarts (7): each incarnation is a `generation`
///   (1, 2, …) on its processes' rows (`process_events.generation`, `processes.generation`;
///   NULL when nothing is watched across restarts), a `restarted` event marks the first process
///   of each new one, and `sessions.restarts` counts them. `group_samples` has one row per
///   reading of the whole group: its members' sums and averages at that instant (raw, like
///   performance_metrics, of which it is the group's view) and the members that started and
///   ended since the group's previous row.
/// - A `timeout` stall (8) is `run --timeout`'s deadline passing while the command still ran;
///   its snapshot has one `stall_processes` row per process of the tree (argv and children as
///   JSON arrays, `started_ns` the wall-clock start derived from `start_time_ticks`,
///   `stack_error` why its user stacks are missing, `capture_error` why it was not read at
///   all), and its `stall_threads` carry `process_id` and `user_stack` (eu-stack's top frames,
///   one per line). Both are NULL in the snapshots of a one-process stall.
/// - A followed log resumes where its rows end (9): a path's last row (greatest id: rows are
///   inserted in the order their lines were read) gives the inode and, with its offset + byte
///   length + 1 (+ byte length for a `partial` row), the byte the next start reads on from.
///   `read_late` is 1 for a line that was already in the file when its session started and was
///   read from that stored end (its timestamp is when it was captured), 0 otherwise, NULL
///   before 9.
/// - An alert (10) is one row per firing of a rule (`--alert`, `--alert-cpu`, `--alert-memory`):
///   `alert_number` is its number within the session (from 1), `fired_*` when the rule started
///   to hold and `value` what held; the clearing fills `cleared_*`, `cleared_value` and
///   `clear_reason` (recovered, process ended, stall ended, watching stopped). A rule that fires
///   per occurrence (`exit`, `log`) has `cleared_at_ns` = `fired_at_ns`; a firing alert has
///   NULL `cleared_at_ns`.
/// - The --server outbox (11): `upload_cursors` holds, per session, server URL and Gaze table
///   (performance_metrics, log_entries, process_events), the greatest row id the server has
///   acknowledged; a session's rows of that table with a greater id are still to be sent, in
///   id order. A cursor only moves forward, after the server's 2xx for its row.
/// - A text column holds the whole text bound with its byte length, NULs included.
/// - A session is removed only whole (prune, --retention: `Pruner`): its rows in every table,
///   a stall's threads and processes before its snapshots, snapshots before the stall, and the
///   `sessions` row last, so at every commit each row's session, stall and snapshot exist.
///   A session whose `ended_ns` is NULL is not removed unless asked for.
/// - `PRAGMA user_version` is the number of migrations applied; each runs in one transaction.
///   `PRAGMA application_id` is 0x41524755 ("ARGU", `applicationID`) once argus-trace wrote it.
///   A database is refused before anything is written to it when its user_version is negative
///   or newer than this binary's, or when a table this schema names exists without the columns
///   the migrations up to its user_version give that table (another application's database).
public enum Schema {
    public static var version: Int { migrations.count }

    static let migrations: [String] = [
        """
        CREATE TABLE performance_metrics (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp TEXT NOT NULL,
            app_name TEXT NOT NULL,
            process_name TEXT NOT NULL,
            process_id INTEGER NOT NULL,
            cpu_percent REAL NOT NULL,
            memory_mb REAL NOT NULL,
            thread_count INTEGER NOT NULL,
            hostname TEXT,
            created_at TEXT DEFAULT CURRENT_TIMESTAMP,
            session_id INTEGER,
            timestamp_ns INTEGER,
            start_time_ticks INTEGER,
            vms_mb REAL,
            open_fds INTEGER,
            ctx_switches_voluntary INTEGER,
            ctx_switches_involuntary INTEGER,
            minor_faults INTEGER,
            major_faults INTEGER,
            read_bytes INTEGER,
            write_bytes INTEGER,
            state TEXT,
            cpu_time_ns INTEGER
        );
        CREATE INDEX idx_metrics_timestamp ON performance_metrics(timestamp);
        CREATE INDEX idx_metrics_app ON performance_metrics(app_name);
        CREATE INDEX idx_metrics_process_id ON performance_metrics(process_id);
        CREATE INDEX idx_metrics_session ON performance_metrics(session_id);

        CREATE TABLE log_entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp TEXT NOT NULL,
            app_name TEXT NOT NULL,
            process_name TEXT NOT NULL,
            process_id INTEGER NOT NULL,
            log_line TEXT NOT NULL,
            logfile_path TEXT,
            hostname TEXT,
            created_at TEXT DEFAULT CURRENT_TIMESTAMP,
            session_id INTEGER,
            timestamp_ns INTEGER
        );
        CREATE INDEX idx_logs_timestamp ON log_entries(timestamp);
        CREATE INDEX idx_logs_app ON log_entries(app_name);
        CREATE INDEX idx_logs_process_id ON log_entries(process_id);
        CREATE INDEX idx_logs_session ON log_entries(session_id);

        CREATE TABLE process_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp TEXT NOT NULL,
            app_name TEXT NOT NULL,
            process_name TEXT NOT NULL,
            process_id INTEGER NOT NULL,
            event_type TEXT NOT NULL,
            exit_code INTEGER,
            hostname TEXT,
            created_at TEXT DEFAULT CURRENT_TIMESTAMP,
            session_id INTEGER,
            timestamp_ns INTEGER,
            signal INTEGER,
            core_dumped INTEGER,
            parent_pid INTEGER,
            start_time_ticks INTEGER,
            source TEXT,
            detail TEXT
        );
        CREATE INDEX idx_events_timestamp ON process_events(timestamp);
        CREATE INDEX idx_events_app ON process_events(app_name);
        CREATE INDEX idx_events_type ON process_events(event_type);
        CREATE INDEX idx_events_session ON process_events(session_id);

        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            started_ns INTEGER NOT NULL,
            ended_at TEXT,
            ended_ns INTEGER,
            mode TEXT NOT NULL,
            arguments TEXT NOT NULL,
            version TEXT NOT NULL,
            kernel TEXT,
            boot_id TEXT,
            hostname TEXT,
            app_name TEXT,
            target_pid INTEGER,
            target_name TEXT,
            events_seen INTEGER,
            event_overflows INTEGER,
            end_reason TEXT
        );
        """,
        // 2: log lines keep where they came from and their exact bytes.
        """
        ALTER TABLE log_entries ADD COLUMN file_offset INTEGER;
        ALTER TABLE log_entries ADD COLUMN file_inode INTEGER;
        ALTER TABLE log_entries ADD COLUMN partial INTEGER;
        ALTER TABLE log_entries ADD COLUMN log_line_raw BLOB;
        """,
        // 3: `run` records every process of the tree it followed.
        """
        CREATE TABLE processes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER NOT NULL,
            pid INTEGER NOT NULL,
            parent_pid INTEGER,
            comm TEXT,
            exe TEXT,
            argv TEXT,
            started_at TEXT NOT NULL,
            started_ns INTEGER NOT NULL,
            ended_at TEXT,
            ended_ns INTEGER,
            exit_code INTEGER,
            signal INTEGER,
            core_dumped INTEGER,
            status_source TEXT,
            execs INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX idx_processes_session ON processes(session_id, pid);
        """,
        // 4: kernel counters from the BPF programs, per sample; the BPF probe's exit status.
        """
        ALTER TABLE performance_metrics ADD COLUMN bpf_oncpu_ns INTEGER;
        ALTER TABLE performance_metrics ADD COLUMN bpf_runq_delay_ns INTEGER;
        ALTER TABLE performance_metrics ADD COLUMN bpf_runq_delay_max_ns INTEGER;
        ALTER TABLE performance_metrics ADD COLUMN bpf_switches_voluntary INTEGER;
        ALTER TABLE performance_metrics ADD COLUMN bpf_switches_involuntary INTEGER;
        ALTER TABLE performance_metrics ADD COLUMN bpf_faults_user INTEGER;
        ALTER TABLE performance_metrics ADD COLUMN bpf_runq_histogram TEXT;
        ALTER TABLE process_events ADD COLUMN bpf_exit_code INTEGER;
        """,
        // 5: stalls, their snapshots (with every thread's kernel state) and the fine samples
        // kept around them.
        """
        CREATE TABLE stalls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER NOT NULL,
            app_name TEXT,
            process_name TEXT,
            process_id INTEGER NOT NULL,
            start_time_ticks INTEGER,
            kind TEXT NOT NULL,
            started_at TEXT NOT NULL,
            started_ns INTEGER NOT NULL,
            detected_at TEXT,
            detected_ns INTEGER,
            ended_at TEXT,
            ended_ns INTEGER,
            duration_ms REAL,
            thread_id INTEGER,
            trigger TEXT NOT NULL,
            threshold REAL,
            entry_value REAL,
            peak_value REAL,
            peak_at TEXT,
            peak_ns INTEGER,
            end_reason TEXT,
            checkpoints INTEGER,
            window_ns INTEGER
        );
        CREATE INDEX idx_stalls_session ON stalls(session_id);
        CREATE INDEX idx_stalls_started ON stalls(started_ns);

        CREATE TABLE stall_snapshots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            stall_id INTEGER NOT NULL REFERENCES stalls(id),
            snapshot_type TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            captured_ns INTEGER NOT NULL,
            pressure_cpu TEXT,
            pressure_memory TEXT,
            pressure_io TEXT,
            top_cpu TEXT,
            top_io TEXT
        );
        CREATE INDEX idx_stall_snapshots_stall ON stall_snapshots(stall_id);

        CREATE TABLE stall_threads (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            snapshot_id INTEGER NOT NULL REFERENCES stall_snapshots(id),
            thread_id INTEGER NOT NULL,
            thread_name TEXT,
            state TEXT,
            wchan TEXT,
            syscall TEXT,
            kernel_stack TEXT,
            cpu_ns INTEGER,
            run_delay_ns INTEGER
        );
        CREATE INDEX idx_stall_threads_snapshot ON stall_threads(snapshot_id);

        CREATE TABLE fine_samples (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER NOT NULL,
            process_id INTEGER NOT NULL,
            timestamp TEXT NOT NULL,
            timestamp_ns INTEGER NOT NULL,
            thread_id INTEGER NOT NULL,
            thread_name TEXT,
            state TEXT,
            cpu_ns INTEGER,
            run_delay_ns INTEGER,
            minor_faults INTEGER,
            major_faults INTEGER,
            wchan TEXT,
            processor INTEGER,
            cpu_pressure_total_us INTEGER,
            memory_pressure_total_us INTEGER,
            io_pressure_total_us INTEGER
        );
        CREATE INDEX idx_fine_samples_time ON fine_samples(session_id, process_id, timestamp_ns);
        """,
        // 6: what a session lost: BPF events, and rows the writer could not save or kept waiting.
        """
        ALTER TABLE sessions ADD COLUMN bpf_events_lost INTEGER;
        ALTER TABLE sessions ADD COLUMN writer_peak_backlog_rows INTEGER;
        ALTER TABLE sessions ADD COLUMN writer_peak_backlog_bytes INTEGER;
        ALTER TABLE sessions ADD COLUMN rows_unsaved INTEGER;
        """,
        // 7: a watched service as a whole (its tree, cgroup or unit) and its incarnations.
        """
        CREATE TABLE group_samples (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL,
            timestamp TEXT NOT NULL,
            timestamp_ns INTEGER NOT NULL,
            hostname TEXT,
            app_name TEXT,
            generation INTEGER,
            process_count INTEGER,
            cpu_percent_total REAL,
            cpu_percent_avg REAL,
            memory_mb_total REAL,
            memory_mb_avg REAL,
            thread_count INTEGER,
            processes_started INTEGER,
            processes_ended INTEGER
        );
        CREATE INDEX idx_group_samples_time ON group_samples(session_id, timestamp_ns);
        ALTER TABLE process_events ADD COLUMN generation INTEGER;
        ALTER TABLE processes ADD COLUMN generation INTEGER;
        ALTER TABLE sessions ADD COLUMN restarts INTEGER;
        """,
        // 8: a timeout capture: the whole process tree, and each thread's process and user stack.
        """
        ALTER TABLE stall_threads ADD COLUMN process_id INTEGER;
        ALTER TABLE stall_threads ADD COLUMN user_stack TEXT;
        CREATE TABLE stall_processes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            snapshot_id INTEGER NOT NULL REFERENCES stall_snapshots(id),
            process_id INTEGER NOT NULL,
            parent_pid INTEGER,
            process_name TEXT,
            argv TEXT,
            cwd TEXT,
            state TEXT,
            cpu_ns INTEGER,
            start_time_ticks INTEGER,
            started_at TEXT,
            started_ns INTEGER,
            children TEXT,
            stack_error TEXT,
            capture_error TEXT
        );
        CREATE INDEX idx_stall_processes_snapshot ON stall_processes(snapshot_id);
        """,
        // 9: a log line read after a restart, from before this start (resumed from the stored end).
        """
        ALTER TABLE log_entries ADD COLUMN read_late INTEGER;
        CREATE INDEX idx_logs_path ON log_entries(logfile_path);
        """,
        // 10: alerts, one row per firing, completed when it clears.
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER NOT NULL,
            alert_number INTEGER NOT NULL,
            rule TEXT NOT NULL,
            app_name TEXT,
            process_id INTEGER,
            process_name TEXT,
            fired_at TEXT NOT NULL,
            fired_at_ns INTEGER NOT NULL,
            value REAL,
            detail TEXT,
            cleared_at TEXT,
            cleared_at_ns INTEGER,
            cleared_value REAL,
            clear_reason TEXT
        );
        CREATE INDEX idx_alerts_session ON alerts(session_id, alert_number);
        CREATE INDEX idx_alerts_fired ON alerts(fired_at_ns);
        """,
        // 11: Gaze's --server upload: the database is the outbox, and this is its cursor.
        """
        CREATE TABLE upload_cursors (
            session_id INTEGER NOT NULL,
            server TEXT NOT NULL,
            table_name TEXT NOT NULL,
            last_id INTEGER NOT NULL,
            updated_ns INTEGER,
            PRIMARY KEY (session_id, server, table_name)
        );
        """,
    ]

    /// Brings a database up to `target` (default: `version`), one migration per transaction. A
    /// database written by a newer argus-trace (higher user_version), or with a negative
    /// user_version, is refused rather than guessed at.
    public static func migrate(_ database: SQLiteDatabase, upTo target: Int? = nil) throws(SQLiteError) {
        let current = try database.scalar("PRAGMA user_version") ?? 0
        guard current >= 0 else {
            throw SQLiteError(
                code: 1, message: "database schema version \(current) is negative: not one argus-trace wrote")
        }
        guard current <= Int64(migrations.count) else {
            throw SQLiteError(
                code: 1, message: "database schema version \(current) is newer than this argus-trace (\(version))")
        }
        let end = min(max(target ?? migrations.count, 0), migrations.count)
        if current == 0 && end == migrations.count && end > 0 {
            try apply(newDatabaseScript, reaching: end, database)
            return
        }
        for index in Int(current)..<max(end, Int(current)) {
            try apply(migrations[index], reaching: index + 1, database)
        }
    }

    /// Runs `script` and sets user_version to `version`, in one transaction, with argus-trace's
    /// application_id.
    private static func apply(_ script: String, reaching version: Int, _ database: SQLiteDatabase)
        throws(SQLiteError)
    {
        try database.transaction { () throws(SQLiteError) in
            try database.execute(script)
            try database.execute("PRAGMA user_version = \(version)")
            try database.execute("PRAGMA application_id = \(applicationID)")
        }
    }

    /// The header's application_id of a database argus-trace created, migrated or wrote
    /// ("ARGU"): DatabaseProbe then leaves its tables to the writer's connection (`check`,
    /// trustingStamp). A database that an earlier version made has 0 until `stamp`.
    public static let applicationID: Int64 = 0x4152_4755

    /// Gives a database whose tables were checked argus-trace's application_id when it has
    /// none (an earlier version made it). Another application's id is left as it is.
    static func stamp(_ database: SQLiteDatabase) throws(SQLiteError) {
        guard try database.scalar("PRAGMA application_id") == 0 else { return }
        try database.execute("PRAGMA application_id = \(applicationID)")
    }
}
