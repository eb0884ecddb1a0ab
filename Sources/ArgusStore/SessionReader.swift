import ArgusCore

/// Reads sessions back for `argus-trace sessions` and `report`, on a connection that only
/// reads (`DatabaseProbe.openForReading`: through the WAL while a recorder writes, disturbing
/// nothing). The file is checked as the writer checks it first, so another application's
/// database is refused with one line. Every read of one call runs in one read transaction: a
/// session still being recorded is read as it stood at one instant. Total over what a file
/// may hold, and over every earlier schema version (a table or column newer than the file is
/// not asked for).
public final class SessionReader {
    private let database: SQLiteDatabase
    /// The file's schema version.
    public let version: Int64

    /// Opens `path`; a missing file, one that is not argus-trace's, or one from a newer
    /// argus-trace is refused (`StoreRefusal`, with one line).
    public init(path: String) throws(StoreRefusal) {
        guard DatabaseProbe.exists(path) else { throw StoreRefusal(path: path, reason: "no such file") }
        try DatabaseProbe.check(path)
        do {
            database = try DatabaseProbe.openForReading(path)
            version = try database.scalar("PRAGMA user_version") ?? 0
        } catch {
            throw StoreRefusal(path: path, reason: error.message)
        }
    }

    /// Every session, oldest first, with its counts.
    public func sessions() throws(SQLiteError) -> [RecordedSession] {
        try reading { () throws(SQLiteError) in
            guard version >= 1 else { return [] }
            var sessions = try database.prepare("SELECT \(sessionColumns) FROM sessions ORDER BY started_ns, id").rows {
                Self.session($0)
            }
            for index in sessions.indices { try complete(&sessions[index]) }
            return sessions
        }
    }

    /// The session with this id, or the latest (greatest start) when `id` is nil; nil when
    /// there is none.
    public func session(id: Int64?) throws(SQLiteError) -> RecordedSession? {
        try reading { () throws(SQLiteError) in try findSession(id) }
    }

    /// Everything the session recorded, or nil when there is no such session. Without
    /// `samples` its `performance_metrics` and `group_samples` rows are left out (the summary
    /// needs only their counts; a day of a busy group is millions of rows).
    public func recording(id: Int64?, samples: Bool = true) throws(SQLiteError) -> SessionRecording? {
        try reading { () throws(SQLiteError) -> SessionRecording? in
            guard let session = try findSession(id) else { return nil }
            let stalls =
                version >= 5 ? try StallReader(database: database, version: version).stalls(inSession: session.id) : []
            let timeout = try stalls.first { $0.kind == "timeout" }.flatMap { stall throws(SQLiteError) in
                try stallReader?.snapshots(of: stall.id).first
            }
            return SessionRecording(
                session: session, processes: try processes(session.id), events: try events(session.id),
                metrics: samples ? try metrics(session.id) : [],
                groupSamples: samples ? try groupSamples(session.id) : [],
                logLines: try logLines(session.id), stalls: stalls, timeoutCapture: timeout)
        }
    }

    /// The stall reader on this connection, for snapshots (nil before schema 5).
    public var stallReader: StallReader? { version >= 5 ? StallReader(database: database, version: version) : nil }

    // MARK: Sessions

    private func findSession(_ id: Int64?) throws(SQLiteError) -> RecordedSession? {
        guard version >= 1 else { return nil }
        let statement = try database.prepare(
            id == nil
                ? "SELECT \(sessionColumns) FROM sessions ORDER BY started_ns DESC, id DESC LIMIT 1"
                : "SELECT \(sessionColumns) FROM sessions WHERE id = ?1")
        if let id { statement.bind([.integer(id)]) }
        guard try statement.step() else { return nil }
        var session = Self.session(statement)
        try complete(&session)
        return session
    }

    private var sessionColumns: String {
        let lost = version >= 6 ? "bpf_events_lost, rows_unsaved" : "NULL, NULL"
        let restarts = version >= 7 ? "restarts" : "NULL"
        return """
            id, started_at, started_ns, ended_at, ended_ns, mode, arguments, version, kernel, hostname, app_name,
            target_pid, target_name, event_overflows, end_reason, \(lost), \(restarts)
            """
    }

    private static func session(_ s: SQLiteStatement) -> RecordedSession {
        RecordedSession(
            id: s.int64(0) ?? 0, startedAt: s.text(1) ?? "", startedNs: stamp(s.int64(2)), endedAt: s.text(3),
            endedNs: s.int64(4).map(stamp), mode: s.text(5) ?? "?",
            arguments: s.text(6).flatMap(JSONText.stringArray(parsing:)) ?? [], version: s.text(7) ?? "?",
            kernel: s.text(8), hostname: s.text(9), appName: s.text(10), targetPid: s.int64(11),
            targetName: s.text(12), eventOverflows: s.int64(13), endReason: s.text(14), bpfEventsLost: s.int64(15),
            rowsUnsaved: s.int64(16), restarts: s.int64(17))
    }

    /// Adds the counts, the last row's stamp and the target's end.
    private func complete(_ session: inout RecordedSession) throws(SQLiteError) {
        let id = session.id
        session.counts.samples = try count("performance_metrics", id)
        session.counts.logLines = try count("log_entries", id)
        session.counts.processes = version >= 3 ? try count("processes", id) : 0
        session.counts.stalls = version >= 5 ? try count("stalls", id) : 0
        session.lastRowNs = try database.scalar(
            """
            SELECT max(coalesce((SELECT max(timestamp_ns) FROM performance_metrics WHERE session_id = \(id)), 0),
                coalesce((SELECT max(timestamp_ns) FROM process_events WHERE session_id = \(id)), 0),
                coalesce((SELECT max(timestamp_ns) FROM log_entries WHERE session_id = \(id)), 0))
            """
        ).flatMap { $0 > 0 ? Self.stamp($0) : nil }
        guard let target = session.targetPid else { return }
        let statement = try database.prepare(
            """
            SELECT exit_code, signal, core_dumped FROM process_events
            WHERE session_id = ?1 AND process_id = ?2 AND event_type = 'terminated' AND exit_code IS NOT NULL
            ORDER BY timestamp_ns DESC, id DESC LIMIT 1
            """)
        statement.bind([.integer(id), .integer(target)])
        if try statement.step() {
            session.targetStatus = Self.status(
                code: statement.int64(0), signal: statement.int64(1), core: statement.int64(2))
        } else if version >= 3 {
            // No end event (a file a test or a crash left): the target's processes row may say.
            let row = try database.prepare(
                """
                SELECT exit_code, signal, core_dumped FROM processes
                WHERE session_id = ?1 AND pid = ?2 AND exit_code IS NOT NULL ORDER BY started_ns DESC, id DESC LIMIT 1
                """)
            row.bind([.integer(id), .integer(target)])
            if try row.step() {
                session.targetStatus = Self.status(code: row.int64(0), signal: row.int64(1), core: row.int64(2))
            }
        }
    }

    private func count(_ table: String, _ session: Int64) throws(SQLiteError) -> Int64 {
        try database.scalar("SELECT count(*) FROM \(table) WHERE session_id = \(session)") ?? 0
    }

    /// A wait status from the stored shell code and signal (exit_code is 128 + signal when one
    /// killed it); nil when neither says.
    public static func status(code: Int64?, signal: Int64?, core: Int64?) -> WaitStatus? {
        if let signal, (1...127).contains(signal) { return .signaled(Int(signal), coreDumped: (core ?? 0) != 0) }
        guard let code else { return nil }
        return .exited(Int(clamping: code & 0xff))
    }

    // MARK: Rows

    private func processes(_ session: Int64) throws(SQLiteError) -> [ProcessRecord] {
        guard version >= 3 else { return [] }
        let generation = version >= 7 ? "generation" : "NULL"
        let statement = try database.prepare(
            """
            SELECT pid, parent_pid, comm, exe, argv, started_ns, ended_ns, exit_code, signal, core_dumped,
                status_source, execs, \(generation)
            FROM processes WHERE session_id = ?1 ORDER BY started_ns, id
            """)
        statement.bind([.integer(session)])
        var rows: [ProcessRecord] = []
        while try statement.step() {
            let s = statement
            let status = Self.status(code: s.int64(7), signal: s.int64(8), core: s.int64(9))
            rows.append(
                ProcessRecord(
                    pid: Int32(clamping: s.int64(0) ?? 0), parentPid: Int32(clamping: s.int64(1) ?? 0),
                    comm: s.text(2), exe: s.text(3), argv: s.text(4).flatMap(JSONText.stringArray(parsing:)),
                    started: WallTime(nanoseconds: Self.stamp(s.int64(5))),
                    ended: s.int64(6).map { WallTime(nanoseconds: Self.stamp($0)) },
                    status: status, statusSource: s.text(10), execs: Int(clamping: s.int64(11) ?? 0),
                    generation: s.int64(12).map { Int(clamping: $0) }))
        }
        return rows
    }

    private func events(_ session: Int64) throws(SQLiteError) -> [SessionRecording.Event] {
        try database.prepare(
            """
            SELECT coalesce(timestamp_ns, 0), process_id, process_name, event_type, exit_code, signal, parent_pid, detail
            FROM process_events WHERE session_id = ?1 ORDER BY timestamp_ns, id
            """
        ).rows([.integer(session)]) { s -> SessionRecording.Event in
            .init(
                timeNs: Self.stamp(s.int64(0)), pid: Int32(clamping: s.int64(1) ?? 0),
                processName: s.text(2) ?? "?",
                type: s.text(3) ?? "?", exitCode: s.int64(4), signal: s.int64(5),
                parentPid: s.int64(6).map { Int32(clamping: $0) }, detail: s.text(7))
        }
    }

    private func metrics(_ session: Int64) throws(SQLiteError) -> [SessionRecording.Metric] {
        let runq = version >= 4 ? "bpf_runq_delay_ns" : "NULL"
        return try database.prepare(
            """
            SELECT coalesce(timestamp_ns, 0), process_id, process_name, cpu_percent, memory_mb, thread_count, \(runq)
            FROM performance_metrics WHERE session_id = ?1 ORDER BY timestamp_ns, id
            """
        ).rows([.integer(session)]) { s -> SessionRecording.Metric in
            .init(
                timeNs: Self.stamp(s.int64(0)), pid: Int32(clamping: s.int64(1) ?? 0),
                processName: s.text(2) ?? "?",
                cpuPercent: Self.finite(s.double(3)), memoryMB: Self.finite(s.double(4)),
                threadCount: Self.count(s.int64(5)), runqDelayNs: s.int64(6))
        }
    }

    private func groupSamples(_ session: Int64) throws(SQLiteError) -> [SessionRecording.GroupSample] {
        guard version >= 7 else { return [] }
        return try database.prepare(
            """
            SELECT timestamp_ns, process_count, cpu_percent_total, memory_mb_total, thread_count
            FROM group_samples WHERE session_id = ?1 ORDER BY timestamp_ns, id
            """
        ).rows([.integer(session)]) { s -> SessionRecording.GroupSample in
            .init(
                timeNs: Self.stamp(s.int64(0)), processCount: Self.count(s.int64(1)),
                cpuPercent: Self.finite(s.double(2)),
                memoryMB: Self.finite(s.double(3)), threadCount: Self.count(s.int64(4)))
        }
    }

    private func logLines(_ session: Int64) throws(SQLiteError) -> [SessionRecording.LogLine] {
        let readLate = version >= 9 ? "read_late" : "NULL"
        return try database.prepare(
            """
            SELECT coalesce(timestamp_ns, 0), logfile_path, log_line, \(readLate)
            FROM log_entries WHERE session_id = ?1 ORDER BY id
            """
        ).rows([.integer(session)]) { s -> SessionRecording.LogLine in
            .init(
                timeNs: Self.stamp(s.int64(0)), path: s.text(1), line: s.text(2) ?? "",
                readLate: (s.int64(3) ?? 0) != 0)

        }
    }

    /// A stored instant between 1970 and 2096 (0 ... 4e18 ns): whatever a file holds, the
    /// difference of two stamps never overflows.
    public static func stamp(_ value: Int64?) -> Int64 { min(max(value ?? 0, 0), 4_000_000_000_000_000_000) }

    /// A count of threads or processes, 0 ... Int32.max: sums of them never overflow.
    private static func count(_ value: Int64?) -> Int64 { min(max(value ?? 0, 0), Int64(Int32.max)) }

    private static func finite(_ value: Double?) -> Double {
        guard let value, value.isFinite else { return 0 }
        return value
    }

    /// Runs `body` in one read transaction (BEGIN … COMMIT on a read-only connection takes no
    /// write lock), so every query sees the database at the same instant.
    private func reading<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try database.execute("BEGIN")
        defer { try? database.execute("COMMIT") }
        return try body()
    }
}
