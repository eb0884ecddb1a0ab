import ArgusCore
import Glibc

/// Everything one sample reads about a process, raw.
public struct ProcessReading: Sendable {
    public var stat: ProcStat
    /// On-CPU time of the whole thread group in ns (dead threads included), from the process's
    /// CPU clock; falls back to the 10 ms tick counters of /proc/PID/stat.
    public var cpuTimeNs: UInt64
    /// Whether `cpuTimeNs` is the CPU clock's (it moves with any run, however short), not ticks.
    public var cpuFromClock: Bool
    public var rssBytes: UInt64
    public var vmsBytes: UInt64
    public var openFds: Int?
    public var voluntarySwitches: UInt64?
    public var involuntarySwitches: UInt64?
    public var io: ProcIO?
    /// CLOCK_MONOTONIC and CLOCK_REALTIME when it was read.
    public var monotonicNs: UInt64
    public var realtimeNs: Int64
}

/// Reads /proc for one process. Nothing here keeps state between calls (what is kept between
/// samples is in the process's ProcessFiles).
public enum ProcessReader {
    public static let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))
    public static let ticksPerSecond = UInt64(sysconf(Int32(_SC_CLK_TCK)))

    public static func stat(_ pid: Int32) -> ProcStat? {
        ProcFS.read("/proc/\(pid)/stat").flatMap(ProcStat.init(parsing:))
    }

    /// A process's stat as seen through one of its threads (/proc/PID/task/TID/stat).
    static func taskStat(_ pid: Int32, _ tid: Int32) -> ProcStat? {
        ProcFS.read("/proc/\(pid)/task/\(tid)/stat").flatMap(ProcStat.init(parsing:))
    }

    /// True while any thread of the process runs. /proc/PID/stat shows the group leader, which
    /// is a zombie ("Z") after it calls pthread_exit although the other threads go on.
    public static func isAlive(_ pid: Int32, stat: ProcStat) -> Bool {
        if stat.state != "Z" && stat.state != "X" { return true }
        return !liveThreadIDs(pid).isEmpty
    }

    /// The thread ids of a process (/proc/PID/task).
    public static func threadIDs(_ pid: Int32) -> Set<Int32> {
        Set((ProcFS.list("/proc/\(pid)/task") ?? []).compactMap { Int32($0) })
    }

    /// Threads that have not exited yet (a group leader that exited early stays listed as a
    /// zombie task until the whole group is gone).
    public static func liveThreadIDs(_ pid: Int32) -> Set<Int32> {
        threadIDs(pid).filter { tid in
            guard let stat = taskStat(pid, tid) else { return false }
            return stat.state != "Z" && stat.state != "X"
        }
    }

    /// The children of every thread of a process (/proc/PID/task/TID/children).
    public static func children(of pid: Int32) -> [Int32] {
        (ProcFS.list("/proc/\(pid)/task") ?? []).flatMap { tid in
            (ProcFS.read("/proc/\(pid)/task/\(tid)/children") ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" })
                .compactMap { Int32($0) }
        }
    }

    /// Every descendant of a process, parents before their children, with each one's parent.
    public static func descendants(of pid: Int32) -> [(pid: Int32, parentPid: Int32)] {
        var found: [(pid: Int32, parentPid: Int32)] = []
        var queue = [pid]
        var seen: Set<Int32> = [pid]
        while let parent = queue.popLast() {
            for child in children(of: parent) where seen.insert(child).inserted {
                found.append((child, parent))
                queue.append(child)
            }
        }
        return found
    }

    /// A full sample through the target's open files, or nil once the process is gone.
    /// `threadSwitches` false: a process with several threads has its switches left nil, for
    /// the caller to sum from the reader that reads its threads' files anyway
    /// (ProcessCounterReader), so each thread's status is read once per sample, not twice.
    public static func read(_ files: ProcessFiles, threadSwitches: Bool = true) -> ProcessReading? {
        let pid = files.pid
        let monotonic = Clocks.monotonicNs()
        let realtime = Clocks.realtimeNs()
        guard var stat = files.readStat() else { return nil }
        if stat.state == "Z" {
            // The leader has exited; its memory figures are gone with it, the threads' are not.
            guard let live = liveThreadIDs(pid).min(), let thread = taskStat(pid, live) else { return nil }
            stat.state = thread.state
            stat.rssPages = thread.rssPages
            stat.vsizeBytes = thread.vsizeBytes
        }
        let tickNs = 1_000_000_000 / max(ticksPerSecond, 1)
        let clockNs = files.cpuTimeNs()
        let cpu = clockNs ?? stat.cpuTimeNs(tickNs: tickNs)
        let soleThread = stat.threads == 1 && stat.state != "Z"
        let activity = files.activity(cpuNs: clockNs, soleThread: soleThread)
        let switches: (voluntary: UInt64, involuntary: UInt64)?
        if soleThread, let sole = activity.switches {
            switches = sole
        } else {
            switches = threadSwitches ? contextSwitches(pid) : nil
        }
        return ProcessReading(
            stat: stat,
            cpuTimeNs: cpu,
            cpuFromClock: clockNs != nil,
            rssBytes: stat.rssPages * pageSize,
            vmsBytes: stat.vsizeBytes,
            openFds: activity.openFds,
            voluntarySwitches: switches?.voluntary,
            involuntarySwitches: switches?.involuntary,
            io: activity.io,
            monotonicNs: monotonic,
            realtimeNs: realtime
        )
    }

    /// Context switches summed over the live threads (each thread's status counts only itself;
    /// the switches of threads that already exited are not in /proc).
    public static func contextSwitches(_ pid: Int32) -> (voluntary: UInt64, involuntary: UInt64)? {
        guard let tids = ProcFS.list("/proc/\(pid)/task") else { return nil }
        let threads = tids.compactMap { tid in
            ProcFS.read("/proc/\(pid)/task/\(tid)/status").map { text in
                let status = ProcStatus(parsing: text)
                return ThreadCounterReading(
                    voluntarySwitches: status.voluntarySwitches ?? 0,
                    involuntarySwitches: status.involuntarySwitches ?? 0, runDelayNs: 0)
            }
        }
        return ThreadCounterReading.switchTotals(threads)
    }

    /// Every running process, with what `--process NAME` matches on. Kernel threads and zombies
    /// are left out.
    public static func candidates(excluding excluded: Set<Int32> = []) -> [ProcessCandidate] {
        ProcFS.processIDs().compactMap { pid in
            guard !excluded.contains(pid) else { return nil }
            return candidate(pid)
        }
    }

    /// What a process runs: its comm, executable and arguments (nil for what cannot be read,
    /// e.g. once it is gone).
    public static func commandLine(_ pid: Int32) -> (comm: String?, exe: String?, argv: [String]?) {
        let comm = ProcFS.read("/proc/\(pid)/comm").map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
        // A zombie's (or a kernel thread's) cmdline is empty: that says nothing, not [""].
        let argv = ProcFS.bytes("/proc/\(pid)/cmdline").flatMap { bytes -> [String]? in
            guard !bytes.isEmpty else { return nil }
            return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast(bytes.last == 0 ? 1 : 0)
                .map { String(decoding: $0, as: UTF8.self) }
        }
        return (comm, ProcFS.link("/proc/\(pid)/exe"), argv)
    }

    public static func candidate(_ pid: Int32) -> ProcessCandidate? {
        guard let stat = stat(pid), !stat.isKernelThread, isAlive(pid, stat: stat) else { return nil }
        let argv0 = ProcFS.bytes("/proc/\(pid)/cmdline").map { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return ProcessCandidate(
            pid: pid, startTicks: stat.startTicks, comm: stat.comm,
            exePath: ProcFS.link("/proc/\(pid)/exe"), argv0: argv0)
    }
}
