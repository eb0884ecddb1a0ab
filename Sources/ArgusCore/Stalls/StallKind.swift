/// What kind of stall: each has its own threshold, and a process can be in several at once.
public enum StallKind: String, Sendable, CaseIterable, Comparable {
    /// A thread in uninterruptible sleep (D) for longer than the threshold.
    case uninterruptible = "d_state"
    /// A thread stopped (T, or t under a tracer) for longer than the threshold.
    case stopped
    /// A thread runnable the whole time but given no CPU at all.
    case starved
    /// A thread that waited for a CPU more than the threshold within one window.
    case runQueue = "run_queue"
    case cpuPressure = "cpu_pressure"
    case memoryPressure = "memory_pressure"
    case ioPressure = "io_pressure"
    /// No new line in the followed logs for longer than the threshold while the process lives.
    case logSilence = "log_silence"
    /// `run --timeout`: the command's deadline passed while it still ran. Declared by the
    /// runtime, not the detector; its one snapshot holds the whole process tree (every
    /// process's argv, cwd, state, CPU time, start and children, and every thread's kernel and
    /// user-space stack), taken before the tree was signalled.
    case timeout

    public static func < (a: StallKind, b: StallKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    static func pressure(_ resource: PressureResource) -> StallKind {
        switch resource {
        case .cpu: .cpuPressure
        case .memory: .memoryPressure
        case .io: .ioPressure
        }
    }
}

/// Which moment of a stall a snapshot shows.
public enum StallSnapshotType: String, Sendable {
    case entry, peak, checkpoint, exit
}

/// When each kind of stall is declared; nil turns a kind off.
public struct StallThresholds: Sendable, Equatable {
    public var uninterruptibleNs: UInt64? = 1_000_000_000
    public var stoppedNs: UInt64? = 1_000_000_000
    public var starvedNs: UInt64? = 1_000_000_000
    /// Milliseconds one thread waited for a CPU per second of the window.
    public var runQueueMsPerSecond: Double? = 250
    /// Percent of the window in which some task waited for the resource (PSI "some").
    public var pressurePercent: Double? = 80
    public var logSilenceNs: UInt64?
    /// The window over which run-queue waits and pressure are measured.
    public var windowNs: UInt64 = 1_000_000_000
    /// How long a condition must stay clear before its stall ends (so one stall does not flap
    /// into many around its threshold). The end is stamped when it first cleared.
    public var clearNs: UInt64 = 1_000_000_000
    /// A checkpoint snapshot this often while a stall lasts, at most `maxCheckpoints` times.
    public var checkpointNs: UInt64 = 10_000_000_000
    public var maxCheckpoints = 30
    /// A new peak snapshot only when the value grew by this factor since the last one, and at
    /// most once a second.
    public var peakGrowth = 1.25

    public init() {}
}
