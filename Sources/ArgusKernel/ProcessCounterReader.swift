import ArgusCore
import Glibc

/// Reads the counters the kernel already keeps for a process, where it keeps them: the
/// process's CPU clock and /proc/PID/stat's faults (whole group, exited threads included), and
/// each live thread's switches (/proc/PID/task/TID/status) and run-queue wait
/// (/proc/PID/task/TID/schedstat), which the kernel keeps per thread only.
public final class ProcessCounterReader {
    /// Up to this many threads, each thread's two files stay open between readings (a re-read
    /// is then one pread each, no path lookup); a process with more is read by path.
    static let keptThreads = 64

    /// What the sampler already read of the whole process at this moment, so that /proc/PID/stat
    /// and the CPU clock are read once per sample, not twice.
    public struct Group: Sendable {
        public let cpuNs: UInt64
        public let faults: UInt64
        public let threads: Int
        /// The switches of the only thread, when there is one, as the sampler read them from
        /// /proc/PID/status: then its schedstat is the one file left to read here.
        public let soleThreadSwitches: (voluntary: UInt64, involuntary: UInt64)?

        public init(
            cpuNs: UInt64, faults: UInt64, threads: Int,
            soleThreadSwitches: (voluntary: UInt64, involuntary: UInt64)? = nil
        ) {
            self.cpuNs = cpuNs
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
    /// The open files of each live thread, when the process has at most `keptThreads`.
    private var threadFiles: [Int32: (status: RereadableFile, schedstat: RereadableFile?)] = [:]

    public init(pid: Int32) {
        self.pid = pid
    }

    /// One reading, or nil once the process is gone (or its pid names another process). With
    /// `group` (the sampler's reading of the same moment), only the threads' files are read.
    public func read(group given: Group? = nil) -> ProcessCounterReading? {
        guard let group = given ?? readGroup() else { return nil }
        let threads: [Int32: ThreadCounterReading]
        if let switches = group.soleThreadSwitches {
            threadFiles.removeAll()
            let schedstat = soleSchedstat?.read(using: &buffer).flatMap(ProcSchedstat.init(parsing:))
            threads = [
                pid: ThreadCounterReading(
                    voluntarySwitches: switches.voluntary, involuntarySwitches: switches.involuntary,
                    runDelayNs: schedstat?.runDelayNs ?? 0)
            ]
        } else if group.threads <= Self.keptThreads {
            // The kept files answer unless the thread set changed: a thread gone fails its read,
            // and a new one shows in the count. Only then is the task directory listed again.
            if let kept = readKept(), kept.count == group.threads {
                threads = kept
            } else {
                relist()
                threads = readKept(leavingOutGone: true) ?? [:]
            }
        } else {
            threadFiles.removeAll()
            threads = readByPath()
        }
        return ProcessCounterReading(cpuNs: group.cpuNs, faults: group.faults, threads: threads)
    }

    /// The whole process's figures from /proc/PID/stat and its CPU clock.
    private func readGroup() -> Group? {
        guard let text = stat?.read(using: &buffer), let stat = ProcStat(parsing: text) else { return nil }
        let tickNs = 1_000_000_000 / max(ProcessReader.ticksPerSecond, 1)
        let cpuNs = cpuClock?.nanoseconds() ?? stat.cpuTimeNs(tickNs: tickNs)
        return Group(cpuNs: cpuNs, faults: stat.minorFaults + stat.majorFaults, threads: stat.threads)
    }

    /// Every kept thread's counters, or nil when one of them is gone (`leavingOutGone`: without
    /// those, as a thread that ends between the listing and its read has nothing to add).
    private func readKept(leavingOutGone: Bool = false) -> [Int32: ThreadCounterReading]? {
        guard !threadFiles.isEmpty else { return nil }
        var threads: [Int32: ThreadCounterReading] = [:]
        for (tid, files) in threadFiles {
            guard let status = files.status.read(using: &buffer).map(ProcStatus.init(parsing:)) else {
                if leavingOutGone { continue }
                return nil
            }
            let schedstat = files.schedstat?.read(using: &buffer).flatMap(ProcSchedstat.init(parsing:))
            threads[tid] = ThreadCounterReading(
                voluntarySwitches: status.voluntarySwitches ?? 0, involuntarySwitches: status.involuntarySwitches ?? 0,
                runDelayNs: schedstat?.runDelayNs ?? 0)
        }
        return threads
    }

    /// Opens the files of the threads listed now, keeping those already open.
    private func relist() {
        let listed = Set((ProcFS.list("/proc/\(pid)/task") ?? []).compactMap { Int32($0) })
        for tid in threadFiles.keys where !listed.contains(tid) { threadFiles[tid] = nil }
        for tid in listed where threadFiles[tid] == nil {
            guard let status = RereadableFile(path: "/proc/\(pid)/task/\(tid)/status") else { continue }
            threadFiles[tid] = (status, RereadableFile(path: "/proc/\(pid)/task/\(tid)/schedstat"))
        }
    }

    private func readByPath() -> [Int32: ThreadCounterReading] {
        var threads: [Int32: ThreadCounterReading] = [:]
        for name in ProcFS.list("/proc/\(pid)/task") ?? [] {
            guard let tid = Int32(name), let thread = readThread(tid) else { continue }
            threads[tid] = thread
        }
        return threads
    }

    private func readThread(_ tid: Int32) -> ThreadCounterReading? {
        guard let status = ProcFS.read("/proc/\(pid)/task/\(tid)/status").map(ProcStatus.init(parsing:)) else {
            return nil  // exited since the listing
        }
        let schedstat = ProcFS.read("/proc/\(pid)/task/\(tid)/schedstat").flatMap(ProcSchedstat.init(parsing:))
        return ThreadCounterReading(
            voluntarySwitches: status.voluntarySwitches ?? 0, involuntarySwitches: status.involuntarySwitches ?? 0,
            runDelayNs: schedstat?.runDelayNs ?? 0)
    }
}
