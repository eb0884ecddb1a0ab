import ArgusCore
import Glibc

/// Reads the counters the kernel already keeps for a process, where it keeps them: the
/// process's CPU clock and /proc/PID/stat's faults (whole group, exited threads included), and
/// each live thread's switches (/proc/PID/task/TID/status) and run-queue wait
/// (/proc/PID/task/TID/schedstat), which the kernel keeps per thread only.
public final class ProcessCounterReader {
    /// Up to this many threads, each thread's two files stay open between readings (a re-read
    /// is then one pread each, no path lookup); threads beyond them are read by path.
    static let keptThreads = 64

    /// What the sampler already read of the whole process at this moment, so that /proc/PID/stat
    /// and the CPU clock are read once per sample, not twice.
    public struct Group: Sendable {
        public let cpuNs: UInt64
        /// Whether `cpuNs` is the ns CPU clock's (which moves with any run), not 10 ms ticks.
        public let cpuFromClock: Bool
        public let faults: UInt64
        public let threads: Int
        /// The switches of the only thread, when there is one, as the sampler read them from
        /// /proc/PID/status: then its schedstat is the one file left to read here.
        public let soleThreadSwitches: (voluntary: UInt64, involuntary: UInt64)?

        public init(
            cpuNs: UInt64, cpuFromClock: Bool, faults: UInt64, threads: Int,
            soleThreadSwitches: (voluntary: UInt64, involuntary: UInt64)? = nil
        ) {
            self.cpuNs = cpuNs
            self.cpuFromClock = cpuFromClock
            self.faults = faults
            self.threads = threads
            self.soleThreadSwitches = threads == 1 ? soleThreadSwitches : nil
        }
    }

    public let pid: Int32
    /// Opened only when a reading is asked for without the group's figures.
    private lazy var stat: RereadableFile? = RereadableFile(path: "/proc/\(pid)/stat")
    private lazy var cpuClock: ProcessCPUClock? = ProcessCPUClock(pid: pid)
    /// The leader's schedstat, for a process whose leader is its only thread.
    private lazy var soleSchedstat: RereadableFile? = RereadableFile(path: "/proc/\(pid)/schedstat")
    private var buffer = [UInt8](repeating: 0, count: 2048)
    /// One thread's two files.
    private struct ThreadFiles {
        let status: RereadableFile
        let schedstat: RereadableFile?

        init?(pid: Int32, tid: Int32) {
            guard let status = RereadableFile(path: "/proc/\(pid)/task/\(tid)/status") else { return nil }
            self.status = status
            schedstat = RereadableFile(path: "/proc/\(pid)/task/\(tid)/schedstat")
        }
    }

    /// The live threads' files, while the process has more than one thread.
    private var threadFiles: KeptThreadFiles<ThreadFiles>?
    /// The last reading and the group's thread count then: handed back while the CPU clock
    /// stands still (see `read`).
    private var last: (reading: ProcessCounterReading, threads: Int)?

    public init(pid: Int32) {
        self.pid = pid
    }

    /// One reading, or nil once the process is gone (or its pid names another process). With
    /// `group` (the sampler's reading of the same moment), only the threads' files are read.
    /// While the process's ns CPU clock has not moved since the last reading, that reading's
    /// threads are the answer and no thread's file is read: a thread's switches and run-queue
    /// wait grow when it leaves a CPU or gets one, and threads come and go only by running,
    /// which moves the clock. (A thread moved between run queues while it waits adds that wait without running;
    /// it then shows at the first reading after the thread ran.)
    public func read(group given: Group? = nil) -> ProcessCounterReading? {
        guard let group = given ?? readGroup() else { return nil }
        if let last, group.cpuFromClock, last.reading.cpuNs == group.cpuNs, last.threads == group.threads {
            return ProcessCounterReading(cpuNs: group.cpuNs, faults: group.faults, threads: last.reading.threads)
        }
        let threads: [Int32: ThreadCounterReading]
        if let switches = group.soleThreadSwitches {
            threadFiles = nil
            let schedstat = soleSchedstat?.read(using: &buffer).flatMap(ProcSchedstat.init(parsing:))
            threads = [
                pid: ThreadCounterReading(
                    voluntarySwitches: switches.voluntary, involuntarySwitches: switches.involuntary,
                    runDelayNs: schedstat?.runDelayNs ?? 0)
            ]
        } else {
            // The kept files answer unless the thread set changed: a thread gone fails its read,
            // and a new one shows in the count. Only then is the task directory listed again.
            let files =
                threadFiles
                ?? KeptThreadFiles(pid: pid, limit: Self.keptThreads, overflow: .readUnkept) { [pid] tid in
                    ThreadFiles(pid: pid, tid: tid)
                }
            threadFiles = files
            let readings = files.read(threads: group.threads) { _, files in readThread(files) }
            threads = Dictionary(uniqueKeysWithValues: readings.map { ($0.tid, $0.reading) })
        }
        let reading = ProcessCounterReading(cpuNs: group.cpuNs, faults: group.faults, threads: threads)
        last = (reading, group.threads)
        return reading
    }

    /// The whole process's figures from /proc/PID/stat and its CPU clock.
    private func readGroup() -> Group? {
        guard let stat = stat?.read(using: &buffer, parsing: ProcStat.init(parsing:)) else { return nil }
        let tickNs = 1_000_000_000 / max(ProcessReader.ticksPerSecond, 1)
        let clockNs = cpuClock?.nanoseconds()
        return Group(
            cpuNs: clockNs ?? stat.cpuTimeNs(tickNs: tickNs), cpuFromClock: clockNs != nil,
            faults: stat.minorFaults + stat.majorFaults, threads: stat.threads)
    }

    /// One thread's switches and run-queue wait; nil once it is gone.
    private func readThread(_ files: ThreadFiles) -> ThreadCounterReading? {
        guard let status = files.status.read(using: &buffer).map(ProcStatus.init(parsing:)) else { return nil }
        let schedstat = files.schedstat?.read(using: &buffer).flatMap(ProcSchedstat.init(parsing:))
        return ThreadCounterReading(
            voluntarySwitches: status.voluntarySwitches ?? 0, involuntarySwitches: status.involuntarySwitches ?? 0,
            runDelayNs: schedstat?.runDelayNs ?? 0)
    }
}
