/// Rows for the store. Each mirrors one Gaze table plus its additive columns; the store fills
/// in what is the same for every row of a session (session id, hostname).

/// What the kernel counted of a process between two samples (the `bpf_*` columns): the
/// counters it keeps anyway, read from /proc, and what the opt-in sched_switch probe saw.
public struct KernelCounterDeltas: Sendable, Equatable {
    public var oncpuNs: UInt64
    public var runqDelayNs: UInt64
    /// The longest single wait for a CPU since watching began (not a delta); nil unless the
    /// run-queue probe is on (--runq-histogram).
    public var runqDelayMaxNs: UInt64?
    public var switchesVoluntary: UInt64
    public var switchesInvoluntary: UInt64
    /// Minor + major page faults.
    public var faultsUser: UInt64
    /// Waits for a CPU in the interval by log2 microseconds: slot i counts [2^i, 2^(i+1)) µs;
    /// nil unless the run-queue probe is on (--runq-histogram).
    public var runqHistogram: [UInt64]?

    public init(
        oncpuNs: UInt64, runqDelayNs: UInt64, runqDelayMaxNs: UInt64?, switchesVoluntary: UInt64,
        switchesInvoluntary: UInt64, faultsUser: UInt64, runqHistogram: [UInt64]?
    ) {
        self.oncpuNs = oncpuNs
        self.runqDelayNs = runqDelayNs
        self.runqDelayMaxNs = runqDelayMaxNs
        self.switchesVoluntary = switchesVoluntary
        self.switchesInvoluntary = switchesInvoluntary
        self.faultsUser = faultsUser
        self.runqHistogram = runqHistogram
    }
}

/// One reading of a process from /proc, with its cumulative counters (deltas are derived on read).
public struct MetricRecord: Sendable, Equatable {
    public var time: WallTime
    public var appName: String
    public var processName: String
    public var pid: Int32
    public var cpuPercent: Double
    public var memoryMB: Double
    public var threadCount: Int
    // Additive columns.
    public var startTicks: UInt64
    public var vmsMB: Double
    public var openFds: Int?
    public var voluntarySwitches: UInt64?
    public var involuntarySwitches: UInt64?
    public var minorFaults: UInt64
    public var majorFaults: UInt64
    public var readBytes: UInt64?
    public var writeBytes: UInt64?
    public var state: String
    public var cpuTimeNs: UInt64
    /// Whether `cpuTimeNs` is the process's ns CPU clock, not 10 ms ticks (not stored: readers
    /// of the same moment may then take it for the clock instead of reading it again).
    public var cpuFromClock = false
    /// The BPF counters' deltas since the previous sample, when they are on.
    public var kernel: KernelCounterDeltas?
    /// CPU time in user and in kernel mode (/proc/PID/stat utime and stime, 10 ms ticks), for
    /// the exporters' `mode`; nil when not read (the store keeps `cpuTimeNs` only).
    public var cpuUserNs: UInt64?
    public var cpuSystemNs: UInt64?

    public init(
        time: WallTime, appName: String, processName: String, pid: Int32, cpuPercent: Double,
        memoryMB: Double, threadCount: Int, startTicks: UInt64, vmsMB: Double, openFds: Int?,
        voluntarySwitches: UInt64?, involuntarySwitches: UInt64?, minorFaults: UInt64, majorFaults: UInt64,
        readBytes: UInt64?, writeBytes: UInt64?, state: String, cpuTimeNs: UInt64, kernel: KernelCounterDeltas? = nil,
        cpuUserNs: UInt64? = nil, cpuSystemNs: UInt64? = nil
    ) {
        self.time = time
        self.appName = appName
        self.processName = processName
        self.pid = pid
        self.cpuPercent = cpuPercent
        self.memoryMB = memoryMB
        self.threadCount = threadCount
        self.startTicks = startTicks
        self.vmsMB = vmsMB
        self.openFds = openFds
        self.voluntarySwitches = voluntarySwitches
        self.involuntarySwitches = involuntarySwitches
        self.minorFaults = minorFaults
        self.majorFaults = majorFaults
        self.readBytes = readBytes
        self.writeBytes = writeBytes
        self.state = state
        self.cpuTimeNs = cpuTimeNs
        self.kernel = kernel
        self.cpuUserNs = cpuUserNs
        self.cpuSystemNs = cpuSystemNs
    }
}

/// Gaze's `event_type` values, and the ones argus-trace adds.
public enum ProcessEventType: String, Sendable {
    case started, terminated, exec
    case monitoringStarted = "monitoring_started"
    case monitoringStopped = "monitoring_stopped"
    /// A watched service came back: the first process of a new incarnation (generation).
    case restarted
}

public struct ProcessEventRecord: Sendable, Equatable {
    public var time: WallTime
    public var appName: String
    public var processName: String
    public var pid: Int32
    public var type: ProcessEventType
    /// Gaze's exit_code: the exit status, or 128 + signal. Only for `terminated`.
    public var exitCode: Int?
    // Additive columns.
    public var signal: Int?
    public var coreDumped: Bool?
    public var parentPid: Int32?
    public var startTicks: UInt64?
    /// Where the fact came from ("proc_connector", "pidfd", "proc_stat", "subreaper").
    public var source: String?
    public var detail: String?
    /// For `terminated`: the exit status (or 128 + signal) the BPF exit probe saw, a second
    /// source beside the proc connector's.
    public var bpfExitCode: Int?
    /// Which incarnation of a watched service the process belongs to (1 for the first, 2 after
    /// its first restart); nil when nothing is watched across restarts.
    public var generation: Int?

    public init(
        time: WallTime, appName: String, processName: String, pid: Int32, type: ProcessEventType,
        exitCode: Int? = nil, signal: Int? = nil, coreDumped: Bool? = nil, parentPid: Int32? = nil,
        startTicks: UInt64? = nil, source: String? = nil, detail: String? = nil, bpfExitCode: Int? = nil,
        generation: Int? = nil
    ) {
        self.time = time
        self.appName = appName
        self.processName = processName
        self.pid = pid
        self.type = type
        self.exitCode = exitCode
        self.signal = signal
        self.coreDumped = coreDumped
        self.parentPid = parentPid
        self.startTicks = startTicks
        self.source = source
        self.detail = detail
        self.bpfExitCode = bpfExitCode
        self.generation = generation
    }
}

/// One line of a followed log file.
public struct LogRecord: Sendable, Equatable {
    public var time: WallTime
    public var appName: String
    public var processName: String
    public var pid: Int32
    /// The line without its `\n` (a `\r` before it is kept), decoded as UTF-8; bytes that are
    /// not UTF-8 become U+FFFD here and the exact bytes go to `raw`.
    public var line: String
    public var path: String
    // Additive columns.
    /// Byte offset of the line in its file, and that file's inode: together they tell lines
    /// apart across rotations.
    public var offset: UInt64?
    public var inode: UInt64?
    /// True for a last line saved without its newline (at exit, or when its file was truncated).
    public var partial: Bool
    /// The exact bytes, only when they are not valid UTF-8.
    public var raw: [UInt8]?
    /// True for a line written before this start and read from where the database's rows of
    /// its path ended (a resumed line); `time` is still when it was captured.
    public var readLate: Bool

    public init(
        time: WallTime, appName: String, processName: String, pid: Int32, line: String, path: String,
        offset: UInt64? = nil, inode: UInt64? = nil, partial: Bool = false, raw: [UInt8]? = nil,
        readLate: Bool = false
    ) {
        self.time = time
        self.appName = appName
        self.processName = processName
        self.pid = pid
        self.line = line
        self.path = path
        self.offset = offset
        self.inode = inode
        self.partial = partial
        self.raw = raw
        self.readLate = readLate
    }
}

/// One process of a `run` tree: what it ran and how it ended. Written when it ends (or, for a
/// process still running when argus-trace stops, with no end).
public struct ProcessRecord: Sendable, Equatable {
    public var pid: Int32
    public var parentPid: Int32
    public var comm: String?
    public var exe: String?
    public var argv: [String]?
    public var started: WallTime
    public var ended: WallTime?
    public var status: WaitStatus?
    /// Where the status came from: "wait", "proc_connector", "lost".
    public var statusSource: String?
    public var execs: Int
    /// Which incarnation of a watched service the process belongs to (1, 2, …); nil when nothing
    /// is watched across restarts.
    public var generation: Int?

    public init(
        pid: Int32, parentPid: Int32, comm: String?, exe: String?, argv: [String]?, started: WallTime,
        ended: WallTime?, status: WaitStatus?, statusSource: String?, execs: Int, generation: Int? = nil
    ) {
        self.pid = pid
        self.parentPid = parentPid
        self.comm = comm
        self.exe = exe
        self.argv = argv
        self.started = started
        self.ended = ended
        self.status = status
        self.statusSource = statusSource
        self.execs = execs
        self.generation = generation
    }
}

/// One reading of a watched group (a service's whole tree, cgroup or unit) as a whole: its
/// members' sums and averages at one instant, and how many members came and went since the
/// group's previous reading. Per-process readings stay in `MetricRecord`; this is the group's.
public struct GroupSampleRecord: Sendable, Equatable {
    public var time: WallTime
    public var appName: String
    /// Which incarnation of the service the members belong to (1, then 2 after a restart, …).
    public var generation: Int
    /// How many members were alive at `time`.
    public var processCount: Int
    /// The members' CPU percentages summed (100 is one CPU), and that sum over `processCount`.
    public var cpuPercentTotal: Double
    public var cpuPercentAverage: Double
    /// The members' resident memory summed, in MB, and that sum over `processCount`.
    public var memoryMBTotal: Double
    public var memoryMBAverage: Double
    /// The members' threads summed.
    public var threadCount: Int
    /// Members that started since the group's previous reading.
    public var processesStarted: Int
    /// Members that ended since the group's previous reading.
    public var processesEnded: Int

    public init(
        time: WallTime, appName: String, generation: Int, processCount: Int, cpuPercentTotal: Double,
        cpuPercentAverage: Double, memoryMBTotal: Double, memoryMBAverage: Double, threadCount: Int,
        processesStarted: Int, processesEnded: Int
    ) {
        self.time = time
        self.appName = appName
        self.generation = generation
        self.processCount = processCount
        self.cpuPercentTotal = cpuPercentTotal
        self.cpuPercentAverage = cpuPercentAverage
        self.memoryMBTotal = memoryMBTotal
        self.memoryMBAverage = memoryMBAverage
        self.threadCount = threadCount
        self.processesStarted = processesStarted
        self.processesEnded = processesEnded
    }
}

/// What is known about one invocation of argus-trace when it starts.
public struct SessionInfo: Sendable, Equatable {
    public var startedAt: WallTime
    public var arguments: [String]
    public var version: String
    public var kernel: String
    public var bootID: String
    public var hostname: String
    public var mode: String

    public init(
        startedAt: WallTime, arguments: [String], version: String, kernel: String, bootID: String,
        hostname: String, mode: String
    ) {
        self.startedAt = startedAt
        self.arguments = arguments
        self.version = version
        self.kernel = kernel
        self.bootID = bootID
        self.hostname = hostname
        self.mode = mode
    }
}

/// What is known about the invocation once it ends (or attaches), written to its session row.
public struct SessionUpdate: Sendable, Equatable {
    public var appName: String?
    public var targetPid: Int32?
    public var targetName: String?
    public var endedAt: WallTime?
    public var eventsSeen: Int?
    public var eventOverflows: Int?
    public var endReason: String?
    /// BPF ring-buffer reserve failures: events the kernel side could not hand over.
    public var bpfEventsLost: Int?
    /// How many times the watched service came back (new incarnations after the first).
    public var restarts: Int?

    public init(
        appName: String? = nil, targetPid: Int32? = nil, targetName: String? = nil, endedAt: WallTime? = nil,
        eventsSeen: Int? = nil, eventOverflows: Int? = nil, endReason: String? = nil, bpfEventsLost: Int? = nil,
        restarts: Int? = nil
    ) {
        self.appName = appName
        self.targetPid = targetPid
        self.targetName = targetName
        self.endedAt = endedAt
        self.eventsSeen = eventsSeen
        self.eventOverflows = eventOverflows
        self.endReason = endReason
        self.bpfEventsLost = bpfEventsLost
        self.restarts = restarts
    }
}

/// Anything the writer stores.
public enum Record: Sendable, Equatable {
    case metric(MetricRecord)
    case event(ProcessEventRecord)
    case log(LogRecord)
    case process(ProcessRecord)
    case session(SessionUpdate)
    case stall(StallRecord)
    case stallEnd(StallEndRecord)
    case stallSnapshot(StallSnapshotRecord)
    case fineSamples(FineSampleRecord)
    case groupSample(GroupSampleRecord)
    /// An alert rule started to hold; `alertCleared` when it stopped (see `AlertEvaluator`).
    case alert(AlertRecord)
    case alertCleared(AlertClearRecord)
}
