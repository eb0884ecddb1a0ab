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

    public var isUninterruptible: Bool { state == "D" }
    public var isStopped: Bool { state == "T" || state == "t" }
    public var isRunnable: Bool { state == "R" }
}

/// One line of /proc/pressure/{cpu,memory,io}: the share of time some (or all) tasks were
/// delayed, as the kernel's running averages, and the cumulative total in microseconds.
public struct PressureLine: Sendable, Equatable {
    public var avg10: Double
    public var avg60: Double
    public var avg300: Double
    public var totalUs: UInt64

    public init(avg10: Double, avg60: Double, avg300: Double, totalUs: UInt64) {
        self.avg10 = avg10
        self.avg60 = avg60
        self.avg300 = avg300
        self.totalUs = totalUs
    }
}

/// Pressure stall information (PSI) for one resource.
public struct Pressure: Sendable, Equatable {
    public var some: PressureLine
    public var full: PressureLine?

    public init(some: PressureLine, full: PressureLine?) {
        self.some = some
        self.full = full
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
    public var pressure: [PressureResource: Pressure]

    public init(monotonicNs: UInt64, time: WallTime, threads: [ThreadSample], pressure: [PressureResource: Pressure] = [:]) {
        self.monotonicNs = monotonicNs
        self.time = time
        self.threads = threads
        self.pressure = pressure
    }

    public func thread(_ tid: Int32) -> ThreadSample? { threads.first { $0.tid == tid } }
}
