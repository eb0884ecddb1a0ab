import ArgusCore
import Glibc

/// The writer thread's connection: opens (creating the file 0600 and its directory 0700),
/// migrates, and inserts records with prepared statements.
final class StoreConnection {
    let database: SQLiteDatabase
    let sessionID: Int64
    private let hostname: String
    private let insertMetric: SQLiteStatement
    private let insertEvent: SQLiteStatement
    private let insertLog: SQLiteStatement
    private let updateSession: SQLiteStatement
    private let insertProcess: SQLiteStatement
    let stallStatements: StallStatements
    /// Stall numbers of this session (the detector's) to their row ids, for the rows that
    /// refer to a stall. Only committed rows are in it.
    var stallRows: [Int: Int64] = [:]

    init(path: String, session: SessionInfo) throws(SQLiteError) {
        try Self.prepareFile(at: path)
        database = try SQLiteDatabase(path: path)
        database.setBusyTimeout(milliseconds: 200)
        try database.execute("PRAGMA journal_mode = WAL")
        try database.execute("PRAGMA synchronous = NORMAL")
        try Schema.migrate(database)
        hostname = session.hostname

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
        sessionID = database.lastInsertRowID

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
                bpf_exit_code)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
            """)
        insertLog = try database.prepare(
            """
            INSERT INTO log_entries (timestamp, app_name, process_name, process_id, log_line, logfile_path,
                hostname, session_id, timestamp_ns, file_offset, file_inode, partial, log_line_raw)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
            """)
        insertProcess = try database.prepare(
            """
            INSERT INTO processes (session_id, pid, parent_pid, comm, exe, argv, started_at, started_ns, ended_at,
                ended_ns, exit_code, signal, core_dumped, status_source, execs)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
            """)
        stallStatements = try StallStatements(database)
        updateSession = try database.prepare(
            """
            UPDATE sessions SET app_name = coalesce(?2, app_name), target_pid = coalesce(?3, target_pid),
                target_name = coalesce(?4, target_name), ended_at = coalesce(?5, ended_at),
                ended_ns = coalesce(?6, ended_ns), events_seen = coalesce(?7, events_seen),
                event_overflows = coalesce(?8, event_overflows), end_reason = coalesce(?9, end_reason)
            WHERE id = ?1
            """)
    }

    /// Writes `records` in one transaction: all of them or none.
    func write(_ records: ArraySlice<Record>) throws(SQLiteError) {
        let committedStalls = stallRows
        try database.execute("BEGIN IMMEDIATE")
        do {
            for record in records { try insert(record) }
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            stallRows = committedStalls
            throw error
        }
    }

    private func insert(_ record: Record) throws(SQLiteError) {
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
                .int(e.bpfExitCode),
            ])
        case .log(let l):
            try insertLog.run([
                .text(l.time.iso8601), .text(l.appName), .text(l.processName), .int(l.pid), .text(l.line),
                .text(l.path), .text(hostname), .integer(sessionID), .integer(l.time.nanoseconds), .int(l.offset),
                .int(l.inode), .bool(l.partial), l.raw.map { .blob($0) },
            ])
        case .process(let p):
            try insertProcess.run([
                .integer(sessionID), .int(p.pid), .int(p.parentPid), .string(p.comm), .string(p.exe),
                .string(p.argv.map(JSONText.array)), .text(p.started.iso8601), .integer(p.started.nanoseconds),
                .string(p.ended?.iso8601), .int(p.ended?.nanoseconds), .int(p.status?.shellCode), .int(p.status?.signal),
                .bool(p.status?.coreDumped), .string(p.statusSource), .int(p.execs),
            ])
        case .session(let s):
            try updateSession.run([
                .integer(sessionID), .string(s.appName), .int(s.targetPid), .string(s.targetName),
                .string(s.endedAt?.iso8601), .int(s.endedAt?.nanoseconds), .int(s.eventsSeen),
                .int(s.eventOverflows), .string(s.endReason),
            ])
        case .stall(let stall): try insert(stall)
        case .stallEnd(let end): try update(end)
        case .stallSnapshot(let snapshot): try insert(snapshot)
        case .fineSamples(let samples): try insert(samples)
        }
    }

    /// Creates the database's directory (0700) and the file itself (0600) when missing, so no
    /// other user can read what was traced. Existing files and directories keep their modes.
    static func prepareFile(at path: String) throws(SQLiteError) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/")
        if !directory.isEmpty { try makeDirectories(directory) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw SQLiteError(code: 14, message: "cannot create \(path): \(reason)")
        }
        close(fd)
    }

    private static func makeDirectories(_ directory: String) throws(SQLiteError) {
        var prefix = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                let reason = String(cString: strerror(errno))
                throw SQLiteError(code: 14, message: "cannot create directory \(prefix): \(reason)")
            }
        }
    }
}
