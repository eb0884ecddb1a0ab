import Glibc

/// The target's /proc files, opened once and re-read with pread(2) at offset 0: a sample then
/// costs no path lookups in /proc, only the kernel's formatting of each file (and what only
/// the process's running changes is read only once it ran: `activity`).
/// Once the process is gone every read fails, so a reused pid can never be read through these.
public final class ProcessFiles {
    public let pid: Int32
    private let stat: RereadableFile?
    private let io: RereadableFile?
    private let leaderStatus: RereadableFile?
    private let fdDirectory: RereadableFile?
    private let cpuClock: clockid_t?
    private var buffer = [UInt8](repeating: 0, count: 4096)
    /// What `activity(cpuNs:soleThread:)` last read, and the CPU clock it was read at.
    private var lastActivity: (cpuNs: UInt64, soleThread: Bool, activity: Activity)?

    /// The counters that only the process's own running moves.
    public struct Activity: Sendable {
        /// The leader thread's context switches (its status), when they were asked for.
        public var switches: (voluntary: UInt64, involuntary: UInt64)?
        /// /proc/PID/io.
        public var io: ProcIO?
        /// Open descriptors (openFileCount).
        public var openFds: Int?
    }

    public init(pid: Int32) {
        self.pid = pid
        stat = RereadableFile(path: "/proc/\(pid)/stat")
        io = RereadableFile(path: "/proc/\(pid)/io")
        leaderStatus = RereadableFile(path: "/proc/\(pid)/task/\(pid)/status")
        fdDirectory = RereadableFile(path: "/proc/\(pid)/fd", flags: O_DIRECTORY)
        var clock = clockid_t()
        cpuClock = clock_getcpuclockid(pid, &clock) == 0 ? clock : nil
    }

    /// What cannot be read for lack of permission (another user's process without root), named
    /// by the columns that stay empty.
    public var unreadable: [String] {
        var missing: [String] = []
        if io == nil { missing.append("read_bytes/write_bytes (/proc/\(pid)/io)") }
        if fdDirectory == nil { missing.append("open_fds (/proc/\(pid)/fd)") }
        if cpuClock == nil { missing.append("ns CPU time (falling back to 10 ms ticks)") }
        return missing
    }

    public func readStat() -> ProcStat? { stat?.read(using: &buffer, parsing: ProcStat.init(parsing:)) }

    private func readIO() -> ProcIO? { reread(io).flatMap(ProcIO.init(parsing:)) }

    /// The leader thread's own status (for a single-threaded process, the whole process's).
    private func readLeaderStatus() -> ProcStatus? { reread(leaderStatus).map(ProcStatus.init(parsing:)) }

    /// The leader's switches (only when `soleThread`: those of a process with one thread, from
    /// its status), /proc/PID/io and the fd count, read again only when the process's CPU clock
    /// moved since they were last read. `cpuNs` is that clock as `cpuTimeNs()` read it just now;
    /// nil (no ns clock) reads them every time. None changes while the clock stands still: a
    /// switch is a thread leaving a CPU, each field of /proc/PID/io is counted by the thread
    /// doing the I/O, a descriptor is opened or closed by a system call of the process's own
    /// (one received over a socket too), and a thread comes or goes only by running, while any
    /// run, however short, moves the ns clock. (Not so for a process that shares its fd table
    /// with another thread group, made with CLONE_FILES but not CLONE_THREAD: what the other
    /// opens shows in `open_fds` once this one runs.) An idle process's sample then reads its stat
    /// only (an idle watch at --interval 1 reads /proc three times less each second).
    public func activity(cpuNs: UInt64?, soleThread: Bool) -> Activity {
        if let last = lastActivity, let cpuNs, last.cpuNs == cpuNs, last.soleThread == soleThread {
            return last.activity
        }
        let status = soleThread ? readLeaderStatus() : nil
        let activity = Activity(
            switches: status.map { ($0.voluntarySwitches ?? 0, $0.involuntarySwitches ?? 0) }, io: readIO(),
            openFds: openFileCount())
        lastActivity = cpuNs.map { ($0, soleThread, activity) }
        return activity
    }

    /// Open descriptors: since Linux 6.2, the size of /proc/PID/fd is their count.
    public func openFileCount() -> Int? {
        guard let fdDirectory else { return nil }
        var info = Glibc.stat()
        guard fstat(fdDirectory.rawValue, &info) == 0 else { return nil }
        return info.st_size > 0 ? Int(info.st_size) : ProcFS.list("/proc/\(pid)/fd")?.count
    }

    /// The process's CPU clock (clock_gettime on clock_getcpuclockid's clock): every thread's
    /// on-CPU time in ns, including threads that exited.
    public func cpuTimeNs() -> UInt64? {
        guard let cpuClock else { return nil }
        var value = timespec()
        guard clock_gettime(cpuClock, &value) == 0 else { return nil }
        return UInt64(value.tv_sec) * 1_000_000_000 + UInt64(value.tv_nsec)
    }

    private func reread(_ file: RereadableFile?) -> String? { file?.read(using: &buffer) }
}
