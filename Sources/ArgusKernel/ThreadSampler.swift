import ArgusCore
import Glibc

/// Reads every thread of one process for the stall detector, several times a second: each
/// thread's stat, schedstat and wchan stay open (KeptThreadFiles) and are re-read with pread(2).
public final class ThreadSampler {
    private final class ThreadFiles {
        let stat: RereadableFile
        let schedstat: RereadableFile?
        let wchan: RereadableFile?
        /// The CPU time (schedstat ns) and wchan of the last read that found the thread asleep;
        /// settled once a second read found the same time.
        var lastSleep: (cpuNs: UInt64, wchan: String, settled: Bool)?

        init?(pid: Int32, tid: Int32) {
            let base = "/proc/\(pid)/task/\(tid)/"
            guard let stat = RereadableFile(path: base + "stat") else { return nil }
            self.stat = stat
            schedstat = RereadableFile(path: base + "schedstat")
            wchan = RereadableFile(path: base + "wchan")
        }
    }

    public let pid: Int32
    /// Threads beyond this many are not sampled (a process with thousands of threads would
    /// otherwise hold thousands of open files); `skipped` says how many.
    public var maxThreads: Int { threads.limit }
    public var skipped: Int { threads.skipped }
    private let threads: KeptThreadFiles<ThreadFiles>
    private var buffer = [UInt8](repeating: 0, count: 1024)

    public init(pid: Int32, maxThreads: Int = 256) {
        self.pid = pid
        threads = KeptThreadFiles(pid: pid, limit: maxThreads, overflow: .skip) { ThreadFiles(pid: pid, tid: $0) }
    }

    /// Every live thread now; empty once the process is gone. The kept files answer while the
    /// thread set stays: a thread gone fails its read, and a new one shows in the thread count
    /// of the others' stat (KeptThreadFiles).
    public func sample() -> [ThreadSample] {
        let tickNs = 1_000_000_000 / max(ProcessReader.ticksPerSecond, 1)
        let readings = threads.read(threadCount: \.processThreads) { tid, files in read(tid, files, tickNs: tickNs) }
        return readings.map(\.reading.sample)
    }

    /// One thread's sample with the process's thread count its stat gave; nil when it is gone
    /// (or a zombie).
    private func read(_ tid: Int32, _ files: ThreadFiles, tickNs: UInt64) -> (
        sample: ThreadSample, processThreads: Int
    )? {
        guard let stat = files.stat.read(using: &buffer, parsing: ProcStat.init(parsing:)),
            stat.state != "Z" && stat.state != "X"
        else { return nil }
        let schedstat = files.schedstat?.read(using: &buffer).flatMap(ProcSchedstat.init(parsing:))
        let wchan = waitChannel(files, state: stat.state, cpuNs: schedstat?.cpuNs)
        let sample = ThreadSample(
            tid: tid, name: stat.comm, state: stat.state,
            cpuNs: schedstat?.cpuNs ?? stat.cpuTimeNs(tickNs: tickNs),
            runDelayNs: schedstat?.runDelayNs ?? 0, minorFaults: stat.minorFaults,
            majorFaults: stat.majorFaults, wchan: wchan, processor: stat.processor)
        return (sample, stat.threads)
    }

    /// The thread's wchan: as last read when it sleeps now and has not run since two reads
    /// found it asleep with the CPU time it has now (schedstat ns, exact to the last switch): a
    /// thread leaves its wait only by running, so it is still where it was. Reading wchan looks
    /// the address up in the kernel's symbols, the dearest of the three reads, and a quiet ring
    /// re-reads every sleeping thread once a second. The first read is not kept alone: a thread
    /// caught on its way to sleep (its state set and its time final, its switch not finished)
    /// gives "0" or the wait it left, from the stack it saved at its previous switch.
    private func waitChannel(_ files: ThreadFiles, state: Character, cpuNs: UInt64?) -> String? {
        let asleep = state == "S" || state == "D" || state == "I"
        if asleep, let last = files.lastSleep, last.settled, last.cpuNs == cpuNs { return last.wchan }
        let wchan = files.wchan?.read(using: &buffer).flatMap(WaitChannel.parse)
        if asleep, let cpuNs, let wchan {
            files.lastSleep = (cpuNs, wchan, settled: files.lastSleep?.cpuNs == cpuNs)
        } else {
            files.lastSleep = nil
        }
        return wchan
    }

    /// What every thread is doing in the kernel right now, read fresh: state, wchan, current
    /// syscall and kernel stack (the stack needs root).
    public static func capture(pid: Int32, maxThreads: Int = 256) -> [ThreadCapture] {
        let tids = (ProcFS.list("/proc/\(pid)/task") ?? []).compactMap { Int32($0) }.sorted().prefix(maxThreads)
        return tids.compactMap { tid in
            let base = "/proc/\(pid)/task/\(tid)/"
            guard let stat = ProcFS.read(base + "stat").flatMap(ProcStat.init(parsing:)) else { return nil }
            let schedstat = ProcFS.read(base + "schedstat").flatMap(ProcSchedstat.init(parsing:))
            let stack = ProcFS.read(base + "stack").map(\.trimmingWhitespace)
            return ThreadCapture(
                tid: tid, name: stat.comm, state: String(stat.state),
                wchan: ProcFS.read(base + "wchan").flatMap(WaitChannel.parse),
                syscall: ProcFS.read(base + "syscall").map(\.trimmingWhitespace),
                kernelStack: stack?.isEmpty == false ? stack : nil, cpuNs: schedstat?.cpuNs,
                runDelayNs: schedstat?.runDelayNs)
        }
    }
}
