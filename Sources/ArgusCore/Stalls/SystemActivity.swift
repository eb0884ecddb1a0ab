/// What every process on the machine had used at one moment: cumulative CPU ticks and storage
/// bytes. Two of them, a moment apart, name the top consumers in between.
public struct SystemActivity: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var comm: String
        public var startTicks: UInt64
        public var cpuTicks: UInt64
        public var ioBytes: UInt64?

        public init(comm: String, startTicks: UInt64, cpuTicks: UInt64, ioBytes: UInt64?) {
            self.comm = comm
            self.startTicks = startTicks
            self.cpuTicks = cpuTicks
            self.ioBytes = ioBytes
        }
    }

    public var monotonicNs: UInt64
    public var processes: [Int32: Entry]

    public init(monotonicNs: UInt64, processes: [Int32: Entry]) {
        self.monotonicNs = monotonicNs
        self.processes = processes
    }

    /// The `count` processes that used the most CPU, and the most storage I/O, from `earlier`
    /// to this scan. A pid whose start time changed is a different process and is skipped;
    /// processes that used nothing are left out.
    public func top(since earlier: SystemActivity, count: Int, ticksPerSecond: UInt64)
        -> (cpu: [TopConsumer], io: [TopConsumer])
    {
        guard monotonicNs > earlier.monotonicNs else { return ([], []) }
        let seconds = Double(monotonicNs - earlier.monotonicNs) / 1e9
        let consumers = processes.compactMap { pid, now -> TopConsumer? in
            guard let before = earlier.processes[pid], before.startTicks == now.startTicks else { return nil }
            let ticks = now.cpuTicks >= before.cpuTicks ? now.cpuTicks - before.cpuTicks : 0
            let io = (now.ioBytes ?? 0) >= (before.ioBytes ?? 0) ? (now.ioBytes ?? 0) - (before.ioBytes ?? 0) : 0
            return TopConsumer(
                pid: pid, comm: now.comm, cpuPercent: Double(ticks) / Double(max(ticksPerSecond, 1)) / seconds * 100,
                ioBytesPerSecond: Double(io) / seconds)
        }
        let byCPU = consumers.filter { $0.cpuPercent > 0 }.sorted { ($0.cpuPercent, $1.pid) > ($1.cpuPercent, $0.pid) }
        let byIO = consumers.filter { $0.ioBytesPerSecond > 0 }
            .sorted { ($0.ioBytesPerSecond, $1.pid) > ($1.ioBytesPerSecond, $0.pid) }
        return (Array(byCPU.prefix(count)), Array(byIO.prefix(count)))
    }
}
