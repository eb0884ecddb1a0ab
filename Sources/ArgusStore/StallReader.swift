import ArgusCore

/// Reads stalls back for `argus-trace stalls`: the list, and one stall with its snapshots and
/// the fine samples around it. Total over what a file may hold: a thread id beyond Int32 is
/// clamped, a real that is not finite (inf, NaN) reads as nil, and no arithmetic on stored
/// numbers can overflow.
public final class StallReader {
    public struct Stall: Sendable, Equatable {
        public var id: Int64
        public var kind: String
        public var pid: Int64
        public var processName: String?
        public var appName: String?
        public var startedAt: String
        public var startedNs: Int64
        public var detectedAt: String?
        public var detectedNs: Int64?
        public var endedAt: String?
        public var endedNs: Int64?
        public var durationMs: Double?
        public var threadID: Int64?
        public var trigger: String
        public var threshold: Double?
        public var entryValue: Double?
        public var peakValue: Double?
        public var peakAt: String?
        public var endReason: String?
        public var checkpoints: Int64?
        public var windowNs: Int64?
        public var sessionID: Int64
        public var snapshots: Int64
        /// The stalled process's argv, from its `processes` row (written when it ended), if any.
        public var argv: [String]?
    }

    public struct Snapshot: Sendable, Equatable {
        public var id: Int64
        public var type: String
        public var capturedAt: String
        public var capturedNs: Int64
        public var pressure: [(resource: String, text: String)]
        /// JSON arrays as stored.
        public var topCPU: String?
        public var topIO: String?
        public var threads: [ThreadCapture]
        /// The tree of a timeout capture (schema 8); empty for other stalls.
        public var processes: [ProcessCapture]

        public static func == (a: Snapshot, b: Snapshot) -> Bool { a.id == b.id }
    }

    /// One thread in one fine sample.
    public struct SampleRow: Sendable, Equatable {
        public var timestampNs: Int64
        public var timestamp: String
        public var thread: ThreadSample
    }

    private let database: SQLiteDatabase
    /// The file's schema version: columns and tables newer than it are not asked for.
    private let version: Int64

    /// Opens the database read-only; a file that is not there is an error, not a new database.
    public init(path: String) throws(SQLiteError) {
        database = try SQLiteDatabase(path: path, readOnly: true)
        database.setBusyTimeout(milliseconds: 1000)
        version = try database.scalar("PRAGMA user_version") ?? 0
        guard version >= 5 else {
            throw SQLiteError(
                code: 1, message: "\(path) has no stall tables (schema version \(version); stalls came in 5)")
        }
    }

    /// A reader on a connection that is open already (a session report's), of a file whose
    /// schema version is `version` (5 or more).
    init(database: SQLiteDatabase, version: Int64) {
        self.database = database
        self.version = version
    }

    private static let columns = """
        s.id, s.kind, s.process_id, s.process_name, s.app_name, s.started_at, s.started_ns, s.ended_at, s.ended_ns,
        s.duration_ms, s.thread_id, s.trigger, s.threshold, s.entry_value, s.peak_value, s.peak_at, s.end_reason,
        s.checkpoints, s.window_ns, s.session_id,
        (SELECT count(*) FROM stall_snapshots WHERE stall_id = s.id), s.detected_at, s.detected_ns,
        (SELECT p.argv FROM processes p WHERE p.session_id = s.session_id AND p.pid = s.process_id
            AND p.started_ns <= s.started_ns ORDER BY p.started_ns DESC LIMIT 1)
        """

    public func stalls() throws(SQLiteError) -> [Stall] {
        try database.prepare("SELECT \(Self.columns) FROM stalls s ORDER BY s.started_ns, s.id").rows { Self.stall($0) }
    }

    /// The stalls of one session, in the order they began.
    public func stalls(inSession session: Int64) throws(SQLiteError) -> [Stall] {
        try database.prepare("SELECT \(Self.columns) FROM stalls s WHERE s.session_id = ?1 ORDER BY s.started_ns, s.id")
            .rows([.integer(session)]) { Self.stall($0) }
    }

    public func stall(id: Int64) throws(SQLiteError) -> Stall? {
        let statement = try database.prepare("SELECT \(Self.columns) FROM stalls s WHERE s.id = ?1")
        statement.bind([.integer(id)])
        return try statement.step() ? Self.stall(statement) : nil
    }

    public func snapshots(of stall: Int64) throws(SQLiteError) -> [Snapshot] {
        let statement = try database.prepare(
            """
            SELECT id, snapshot_type, captured_at, captured_ns, pressure_cpu, pressure_memory, pressure_io, top_cpu,
                top_io
            FROM stall_snapshots WHERE stall_id = ?1 ORDER BY captured_ns, id
            """)
        statement.bind([.integer(stall)])
        var snapshots: [Snapshot] = []
        while try statement.step() {
            let pressure = ["cpu", "memory", "io"].enumerated().compactMap { index, name in
                statement.text(Int32(4 + index)).map { (name, $0) }
            }
            snapshots.append(
                Snapshot(
                    id: statement.int64(0) ?? 0, type: statement.text(1) ?? "", capturedAt: statement.text(2) ?? "",
                    capturedNs: statement.int64(3) ?? 0, pressure: pressure, topCPU: statement.text(7),
                    topIO: statement.text(8), threads: [], processes: []))
        }
        let (treeColumns, order) = version >= 8 ? ("process_id, user_stack", "process_id, ") : ("NULL, NULL", "")
        let threads = try database.prepare(
            """
            SELECT thread_id, thread_name, state, wchan, syscall, kernel_stack, cpu_ns, run_delay_ns, \(treeColumns)
            FROM stall_threads WHERE snapshot_id = ?1 ORDER BY \(order)thread_id
            """)
        for index in snapshots.indices {
            threads.bind([.integer(snapshots[index].id)])
            while try threads.step() {
                snapshots[index].threads.append(
                    ThreadCapture(
                        tid: Int32(clamping: threads.int64(0) ?? 0), name: threads.text(1) ?? "",
                        state: threads.text(2) ?? "?",
                        wchan: threads.text(3), syscall: threads.text(4), kernelStack: threads.text(5),
                        cpuNs: threads.int64(6).map { UInt64(max($0, 0)) },
                        runDelayNs: threads.int64(7).map { UInt64(max($0, 0)) },
                        pid: threads.int64(8).map { Int32(clamping: $0) }, userStack: threads.text(9)))
            }
        }
        if version >= 8 {
            for index in snapshots.indices { snapshots[index].processes = try processes(of: snapshots[index].id) }
        }
        return snapshots
    }

    /// The processes of one snapshot, in the order they were captured.
    private func processes(of snapshot: Int64) throws(SQLiteError) -> [ProcessCapture] {
        let statement = try database.prepare(
            """
            SELECT process_id, parent_pid, process_name, argv, cwd, state, cpu_ns, start_time_ticks, started_ns,
                children, stack_error, capture_error
            FROM stall_processes WHERE snapshot_id = ?1 ORDER BY id
            """)
        statement.bind([.integer(snapshot)])
        var processes: [ProcessCapture] = []
        while try statement.step() {
            func pid(_ column: Int32) -> Int32? { statement.int64(column).map { Int32(clamping: $0) } }
            func unsigned(_ column: Int32) -> UInt64? { statement.int64(column).map { UInt64(max($0, 0)) } }
            processes.append(
                ProcessCapture(
                    pid: pid(0) ?? 0, parentPID: pid(1), name: statement.text(2),
                    argv: statement.text(3).flatMap(JSONText.stringArray(parsing:)) ?? [], cwd: statement.text(4),
                    state: statement.text(5), cpuNs: unsigned(6), startTicks: unsigned(7),
                    started: statement.int64(8).map(WallTime.init(nanoseconds:)),
                    children: statement.text(9).flatMap(JSONText.int32Array(parsing:)) ?? [],
                    stackError: statement.text(10), captureError: statement.text(11)))
        }
        return processes
    }

    /// The stall's process's fine samples from `window_ns` before it began to its last snapshot
    /// (the exit snapshot comes once the condition stayed clear a while), or to the last one
    /// saved for a stall still open.
    public func samples(around stall: Stall) throws(SQLiteError) -> [SampleRow] {
        let statement = try database.prepare(
            """
            SELECT timestamp_ns, timestamp, thread_id, thread_name, state, cpu_ns, run_delay_ns, minor_faults,
                major_faults, wchan, processor
            FROM fine_samples
            WHERE session_id = ?1 AND process_id = ?2 AND timestamp_ns >= ?3
                AND timestamp_ns <= max(?4, coalesce((SELECT max(captured_ns) FROM stall_snapshots WHERE stall_id = ?5), 0))
            ORDER BY timestamp_ns, thread_id
            """)
        statement.bind([
            .integer(stall.sessionID), .integer(stall.pid), .integer(Self.windowStart(stall)),
            .integer(stall.endedNs ?? Int64.max), .integer(stall.id),
        ])
        var rows: [SampleRow] = []
        while try statement.step() {
            func unsigned(_ column: Int32) -> UInt64 { UInt64(max(statement.int64(column) ?? 0, 0)) }
            let state = statement.text(4)?.first ?? "?"
            rows.append(
                SampleRow(
                    timestampNs: statement.int64(0) ?? 0, timestamp: statement.text(1) ?? "",
                    thread: ThreadSample(
                        tid: Int32(clamping: statement.int64(2) ?? 0), name: statement.text(3) ?? "", state: state,
                        cpuNs: unsigned(5), runDelayNs: unsigned(6), minorFaults: unsigned(7), majorFaults: unsigned(8),
                        wchan: statement.text(9), processor: statement.int64(10).map { Int($0) })))
        }
        return rows
    }

    /// `started_ns - window_ns`, saturating at Int64's ends.
    static func windowStart(_ stall: Stall) -> Int64 {
        let (start, overflow) = stall.startedNs.subtractingReportingOverflow(max(stall.windowNs ?? 0, 0))
        return overflow ? Int64.min : start
    }

    private static func stall(_ s: SQLiteStatement) -> Stall {
        func finite(_ column: Int32) -> Double? { s.double(column).flatMap { $0.isFinite ? $0 : nil } }
        return Stall(
            id: s.int64(0) ?? 0, kind: s.text(1) ?? "", pid: s.int64(2) ?? 0, processName: s.text(3),
            appName: s.text(4),
            startedAt: s.text(5) ?? "", startedNs: s.int64(6) ?? 0, detectedAt: s.text(21), detectedNs: s.int64(22),
            endedAt: s.text(7), endedNs: s.int64(8),
            durationMs: finite(9), threadID: s.int64(10), trigger: s.text(11) ?? "", threshold: finite(12),
            entryValue: finite(13), peakValue: finite(14), peakAt: s.text(15), endReason: s.text(16),
            checkpoints: s.int64(17), windowNs: s.int64(18), sessionID: s.int64(19) ?? 0, snapshots: s.int64(20) ?? 0,
            argv: s.text(23).flatMap { JSONText.stringArray(parsing: $0) })
    }
}
