/// What one process has counted since it started (or what a series' ended processes counted,
/// kept so a counter never goes down), in the units the exposition uses before conversion.
public struct ExportedCounters: Sendable, Equatable {
    public var cpuUserNs: UInt64 = 0
    public var cpuSystemNs: UInt64 = 0
    public var voluntarySwitches: UInt64 = 0
    public var involuntarySwitches: UInt64 = 0
    public var minorFaults: UInt64 = 0
    public var majorFaults: UInt64 = 0
    public var readBytes: UInt64 = 0
    public var writeBytes: UInt64 = 0
    /// Run-queue wait from /proc (summed from the BPF counters' per-sample deltas).
    public var runqDelayNs: UInt64 = 0
    /// Waits for a CPU by log2 µs slot (--runq-histogram); empty when never measured.
    public var runqHistogram: [UInt64] = []
    /// The run-queue wait of the samples that carried a histogram: the histogram's `_sum`.
    public var runqHistogramSumNs: UInt64 = 0

    public init() {}

    /// Each counter of `reading` that grew; one that went back (a file unreadable for a moment,
    /// a counter of the leader thread only) keeps its value, so what is exported never goes down.
    mutating func advance(to reading: ExportedCounters) {
        cpuUserNs = max(cpuUserNs, reading.cpuUserNs)
        cpuSystemNs = max(cpuSystemNs, reading.cpuSystemNs)
        voluntarySwitches = max(voluntarySwitches, reading.voluntarySwitches)
        involuntarySwitches = max(involuntarySwitches, reading.involuntarySwitches)
        minorFaults = max(minorFaults, reading.minorFaults)
        majorFaults = max(majorFaults, reading.majorFaults)
        readBytes = max(readBytes, reading.readBytes)
        writeBytes = max(writeBytes, reading.writeBytes)
    }

    /// Adds what `later` counted beyond `earlier` (both readings of one process).
    mutating func add(_ later: ExportedCounters, since earlier: ExportedCounters) {
        func grown(_ path: KeyPath<ExportedCounters, UInt64>) -> UInt64 {
            later[keyPath: path] &- min(earlier[keyPath: path], later[keyPath: path])
        }
        cpuUserNs &+= grown(\.cpuUserNs)
        cpuSystemNs &+= grown(\.cpuSystemNs)
        voluntarySwitches &+= grown(\.voluntarySwitches)
        involuntarySwitches &+= grown(\.involuntarySwitches)
        minorFaults &+= grown(\.minorFaults)
        majorFaults &+= grown(\.majorFaults)
        readBytes &+= grown(\.readBytes)
        writeBytes &+= grown(\.writeBytes)
        runqDelayNs &+= grown(\.runqDelayNs)
        runqHistogramSumNs &+= grown(\.runqHistogramSumNs)
        if !later.runqHistogram.isEmpty {
            if runqHistogram.count < later.runqHistogram.count {
                runqHistogram += Array(repeating: 0, count: later.runqHistogram.count - runqHistogram.count)
            }
            for (slot, count) in later.runqHistogram.enumerated() {
                let before = slot < earlier.runqHistogram.count ? earlier.runqHistogram[slot] : 0
                runqHistogram[slot] &+= count &- min(before, count)
            }
        }
    }

    /// Adds the kernel counters' deltas of one sample (they are per interval, not cumulative).
    mutating func accumulate(_ deltas: KernelCounterDeltas) {
        runqDelayNs &+= deltas.runqDelayNs
        guard let histogram = deltas.runqHistogram else { return }
        runqHistogramSumNs &+= deltas.runqDelayNs
        if runqHistogram.count < histogram.count {
            runqHistogram += Array(repeating: 0, count: histogram.count - runqHistogram.count)
        }
        for (slot, count) in histogram.enumerated() { runqHistogram[slot] &+= count }
    }
}

/// What one process shows now: the gauges.
public struct ExportedGauges: Sendable, Equatable {
    public var residentBytes: UInt64 = 0
    public var virtualBytes: UInt64 = 0
    public var threads: Int = 0
    public var openFds: Int?

    public init() {}
}
