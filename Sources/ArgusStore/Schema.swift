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
/// - The `bpf_*` columns of performance_metrics are what the BPF counters saw since the
///   previous sample (deltas; `bpf_runq_delay_max_ns` is the longest wait since attach, and
///   `bpf_runq_histogram` a JSON array of waits by log2 microseconds); NULL when BPF is off.
/// - `PRAGMA user_version` is the number of migrations applied; each runs in one transaction.
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
    ]

    /// Brings a database up to `version`, one migration per transaction. A database written by
    /// a newer argus-trace (higher user_version) is refused rather than guessed at.
    public static func migrate(_ database: SQLiteDatabase) throws(SQLiteError) {
        let current = Int(try database.scalar("PRAGMA user_version") ?? 0)
        guard current <= migrations.count else {
            throw SQLiteError(
                code: 1, message: "database schema version \(current) is newer than this argus-trace (\(version))")
        }
        for index in current..<migrations.count {
            try database.execute("BEGIN IMMEDIATE")
            do {
                try database.execute(migrations[index])
                try database.execute("PRAGMA user_version = \(index + 1)")
                try database.execute("COMMIT")
            } catch {
                try? database.execute("ROLLBACK")
                throw error
            }
        }
    }
}
