/// The rows a stall produces: the stall itself (written when it begins, completed when it
/// ends), its snapshots, and the fine samples around it. `id` is the stall's number within its
/// session (the detector's); the store turns it into the row id.

public struct StallRecord: Sendable, Equatable {
    public var id: Int
    public var kind: StallKind
    public var pid: Int32
    public var startTicks: UInt64
    public var appName: String
    public var processName: String
    /// When the condition began (the first sample showing it, for per-thread kinds).
    public var started: WallTime
    /// When it crossed the threshold and the stall was declared.
    public var detected: WallTime
    public var tid: Int32?
    /// What crossed which threshold, in one line.
    public var trigger: String
    public var threshold: Double
    public var value: Double
    /// Fine samples are kept from this long before `started`.
    public var windowNs: UInt64

    public init(
        id: Int, kind: StallKind, pid: Int32, startTicks: UInt64, appName: String, processName: String,
        started: WallTime, detected: WallTime, tid: Int32?, trigger: String, threshold: Double, value: Double,
        windowNs: UInt64
    ) {
        self.id = id
        self.kind = kind
        self.pid = pid
        self.startTicks = startTicks
        self.appName = appName
        self.processName = processName
        self.started = started
        self.detected = detected
        self.tid = tid
        self.trigger = trigger
        self.threshold = threshold
        self.value = value
        self.windowNs = windowNs
    }
}

public struct StallEndRecord: Sendable, Equatable {
    public var id: Int
    public var ended: WallTime
    public var durationNs: UInt64
    public var reason: String
    public var peakValue: Double
    public var peakAt: WallTime
    public var checkpoints: Int

    public init(
        id: Int, ended: WallTime, durationNs: UInt64, reason: String, peakValue: Double, peakAt: WallTime,
        checkpoints: Int
    ) {
        self.id = id
        self.ended = ended
        self.durationNs = durationNs
        self.reason = reason
        self.peakValue = peakValue
        self.peakAt = peakAt
        self.checkpoints = checkpoints
    }
}

/// One thread as a snapshot captures it: what it was doing in the kernel.
public struct ThreadCapture: Sendable, Equatable {
    public var tid: Int32
    public var name: String
    public var state: String
    public var wchan: String?
    /// /proc/PID/task/TID/syscall: the syscall number and arguments, "running", or nil.
    public var syscall: String?
    /// /proc/PID/task/TID/stack: one kernel frame per line.
    public var kernelStack: String?
    public var cpuNs: UInt64?
    public var runDelayNs: UInt64?
    /// The process the thread belongs to; nil in the snapshots of a one-process stall.
    public var pid: Int32?
    /// Its user-space stack from eu-stack, top frames only, one frame line per line
    /// ("#0  0x00007f… clock_nanosleep - /usr/lib/…/libc.so.6"); nil when not taken.
    public var userStack: String?

    public init(
        tid: Int32, name: String, state: String, wchan: String?, syscall: String?, kernelStack: String?,
        cpuNs: UInt64?, runDelayNs: UInt64?, pid: Int32? = nil, userStack: String? = nil
    ) {
        self.tid = tid
        self.name = name
        self.state = state
        self.wchan = wchan
        self.syscall = syscall
        self.kernelStack = kernelStack
        self.cpuNs = cpuNs
        self.runDelayNs = runDelayNs
        self.pid = pid
        self.userStack = userStack
    }
}

/// A process that used much CPU or I/O at the moment of a snapshot.
public struct TopConsumer: Sendable, Equatable {
    public var pid: Int32
    public var comm: String
    public var cpuPercent: Double
    public var ioBytesPerSecond: Double

    public init(pid: Int32, comm: String, cpuPercent: Double, ioBytesPerSecond: Double) {
        self.pid = pid
        self.comm = comm
        self.cpuPercent = cpuPercent
        self.ioBytesPerSecond = ioBytesPerSecond
    }

    /// A JSON array of consumers.
    public static func json(_ consumers: [TopConsumer]) -> String {
        "["
            + consumers.map {
                "{\"pid\":\($0.pid),\"comm\":\(JSONText.quote($0.comm)),\"cpu_percent\":\(($0.cpuPercent * 10).rounded() / 10),"
                    + "\"io_bytes_per_s\":\($0.ioBytesPerSecond.rounded())}"
            }.joined(separator: ",") + "]"
    }
}

public struct StallSnapshotRecord: Sendable, Equatable {
    public var stallID: Int
    public var type: StallSnapshotType
    public var time: WallTime
    public var threads: [ThreadCapture]
    /// /proc/pressure/RESOURCE as read.
    public var pressure: [PressureResource: String]
    /// The machine's top CPU and I/O users over the moments after the capture; nil when the
    /// process ended before they could be measured.
    public var topCPU: [TopConsumer]?
    public var topIO: [TopConsumer]?
    /// Every process of the tree a timeout capture took (its threads are in `threads`, with
    /// their `pid`); empty for the snapshots of a one-process stall.
    public var processes: [ProcessCapture]

    public init(
        stallID: Int, type: StallSnapshotType, time: WallTime, threads: [ThreadCapture],
        pressure: [PressureResource: String], topCPU: [TopConsumer]? = nil, topIO: [TopConsumer]? = nil,
        processes: [ProcessCapture] = []
    ) {
        self.stallID = stallID
        self.type = type
        self.time = time
        self.threads = threads
        self.pressure = pressure
        self.topCPU = topCPU
        self.topIO = topIO
        self.processes = processes
    }
}

/// Fine samples of one process, saved because a stall is near.
public struct FineSampleRecord: Sendable, Equatable {
    public var pid: Int32
    public var samples: [FineSample]

    public init(pid: Int32, samples: [FineSample]) {
        self.pid = pid
        self.samples = samples
    }
}
