/// The counters the kernel keeps for a process, read from /proc at one moment (cumulative).
public struct ProcessCounterReading: Sendable, Equatable {
    /// On-CPU ns of every thread, exited ones included (the process's CPU clock).
    public var cpuNs: UInt64
    /// Minor + major page faults of every thread, exited ones included (/proc/PID/stat).
    public var faults: UInt64
    /// The live threads' own counters, by thread id.
    public var threads: [Int32: ThreadCounterReading]

    public init(cpuNs: UInt64, faults: UInt64, threads: [Int32: ThreadCounterReading]) {
        self.cpuNs = cpuNs
        self.faults = faults
        self.threads = threads
    }
}

/// One thread's counters that the kernel does not add up for the process: context switches
/// (/proc/PID/task/TID/status) and run-queue wait (/proc/PID/task/TID/schedstat).
public struct ThreadCounterReading: Sendable, Equatable {
    public var voluntarySwitches: UInt64
    public var involuntarySwitches: UInt64
    public var runDelayNs: UInt64

    public init(voluntarySwitches: UInt64, involuntarySwitches: UInt64, runDelayNs: UInt64) {
        self.voluntarySwitches = voluntarySwitches
        self.involuntarySwitches = involuntarySwitches
        self.runDelayNs = runDelayNs
    }
}

extension ThreadCounterReading {
    /// The switches of `threads` together (the process's live threads: each counts only its own).
    public static func switchTotals(_ threads: some Sequence<ThreadCounterReading>) -> (
        voluntary: UInt64, involuntary: UInt64
    ) {
        threads.reduce((UInt64(0), UInt64(0))) { ($0.0 &+ $1.voluntarySwitches, $0.1 &+ $1.involuntarySwitches) }
    }
}

/// What a process did between two readings.
public struct ProcessCounterChange: Sendable, Equatable {
    public var cpuNs: UInt64 = 0
    public var faults: UInt64 = 0
    public var voluntarySwitches: UInt64 = 0
    public var involuntarySwitches: UInt64 = 0
    public var runDelayNs: UInt64 = 0

    public init() {}
}

extension ProcessCounterReading {
    /// The change since `earlier`. A thread in both readings adds its growth; a thread that is
    /// new adds everything it has (it began in between; a thread id reused in between reads
    /// as smaller and counts as new). A thread that exited in between adds nothing: its
    /// switches and run-queue wait since `earlier` are gone with it (the kernel keeps them per
    /// thread only). CPU time and faults are the process's own totals and lose nothing.
    public func change(since earlier: ProcessCounterReading) -> ProcessCounterChange {
        var change = ProcessCounterChange()
        change.cpuNs = cpuNs >= earlier.cpuNs ? cpuNs - earlier.cpuNs : 0
        change.faults = faults >= earlier.faults ? faults - earlier.faults : 0
        for (tid, now) in threads {
            let before = earlier.threads[tid]
            func growth(_ value: KeyPath<ThreadCounterReading, UInt64>) -> UInt64 {
                guard let before, now[keyPath: value] >= before[keyPath: value] else { return now[keyPath: value] }
                return now[keyPath: value] - before[keyPath: value]
            }
            change.voluntarySwitches += growth(\.voluntarySwitches)
            change.involuntarySwitches += growth(\.involuntarySwitches)
            change.runDelayNs += growth(\.runDelayNs)
        }
        return change
    }
}
