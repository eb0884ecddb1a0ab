import ArgusCore
import Glibc

/// Reads the counters the kernel already keeps for a process, where it keeps them: the
/// process's CPU clock and /proc/PID/stat's faults (whole group, exited threads included), and
/// each live thread's switches (/proc/PID/task/TID/status) and run-queue wait
/// (/proc/PID/task/TID/schedstat), which the kernel keeps per thread only.
public final class ProcessCounterReader {
    public let pid: Int32
    private let stat: RereadableFile?
    private let cpuClock: ProcessCPUClock?
    private var buffer = [UInt8](repeating: 0, count: 2048)

    public init(pid: Int32) {
        self.pid = pid
        stat = RereadableFile(path: "/proc/\(pid)/stat")
        cpuClock = ProcessCPUClock(pid: pid)
    }

    /// One reading, or nil once the process is gone (or its pid names another process).
    public func read() -> ProcessCounterReading? {
        guard let text = stat?.read(using: &buffer), let stat = ProcStat(parsing: text) else { return nil }
        let tickNs = 1_000_000_000 / max(ProcessReader.ticksPerSecond, 1)
        let cpuNs = cpuClock?.nanoseconds() ?? (stat.userTicks + stat.systemTicks) * tickNs
        var threads: [Int32: ThreadCounterReading] = [:]
        for name in ProcFS.list("/proc/\(pid)/task") ?? [] {
            guard let tid = Int32(name), let thread = readThread(tid) else { continue }
            threads[tid] = thread
        }
        return ProcessCounterReading(cpuNs: cpuNs, faults: stat.minorFaults + stat.majorFaults, threads: threads)
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
