/// One thread as the fine-grained (stall) sampler reads it: /proc/PID/task/TID/{stat,schedstat,wchan}.
public struct ThreadSample: Sendable, Equatable {
    public var tid: Int32
    public var name: String
    /// The state letter of proc(5): R running/runnable, S sleeping, D uninterruptible, T stopped,
    /// t tracing stop, Z zombie, I idle.
    public var state: Character
    /// On-CPU time in ns (schedstat field 1).
    public var cpuNs: UInt64
    /// Time spent runnable but waiting for a CPU, in ns (schedstat field 2).
    public var runDelayNs: UInt64
    public var minorFaults: UInt64
    public var majorFaults: UInt64
    /// The kernel function the thread sleeps in; nil when running or not readable.
    public var wchan: String?
    /// The CPU it last ran on.
    public var processor: Int?

    public init(
        tid: Int32, name: String, state: Character, cpuNs: UInt64, runDelayNs: UInt64, minorFaults: UInt64 = 0,
        majorFaults: UInt64 = 0, wchan: String? = nil, processor: Int? = nil
    ) {
        self.tid = tid
        self.name = name
        self.state = state
        self.cpuNs = cpuNs
        self.runDelayNs = runDelayNs
        self.minorFaults = minorFaults
        self.majorFaults = majorFaults
        self.wchan = wchan
        self.processor = processor
    }

    /// Asleep: S (interruptible) or I (idle kernel thread), neither running nor stalled.
    public var sleeps: Bool { state == "S" || state == "I" }
    public var isUninterruptible: Bool { state == "D" }
    public var isStopped: Bool { state == "T" || state == "t" }
    public var isRunnable: Bool { state == "R" }
}

/// The cumulative time, in microseconds, in which some task waited for each resource
/// (/proc/pressure/RESOURCE, the "some" line's total): nil when not readable.
public struct PressureTotals: Sendable, Equatable {
    public var cpu: UInt64?
    public var memory: UInt64?
    public var io: UInt64?

    public init(cpu: UInt64? = nil, memory: UInt64? = nil, io: UInt64? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.io = io
    }

    public subscript(resource: PressureResource) -> UInt64? {
        get {
            switch resource {
            case .cpu: cpu
            case .memory: memory
            case .io: io
            }
        }
        set {
            switch resource {
            case .cpu: cpu = newValue
            case .memory: memory = newValue
            case .io: io = newValue
            }
        }
    }
}

/// The resources /proc/pressure reports on.
public enum PressureResource: String, Sendable, CaseIterable {
    case cpu, memory, io
}

/// Every fine reading taken at one moment: the watched process's threads and the system's pressure.
public struct FineSample: Sendable, Equatable {
    public var monotonicNs: UInt64
    public var time: WallTime
    public var threads: [ThreadSample]
    public var pressure: PressureTotals

    public init(
        monotonicNs: UInt64, time: WallTime, threads: [ThreadSample], pressure: PressureTotals = PressureTotals()
    ) {
        self.monotonicNs = monotonicNs
        self.time = time
        self.threads = threads
        self.pressure = pressure
    }

    public func thread(_ tid: Int32) -> ThreadSample? { threads.first { $0.tid == tid } }
}
