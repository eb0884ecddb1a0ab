import ArgusCore
import Glibc

/// Reads every thread of one process for the stall detector, several times a second: each
/// thread's stat, schedstat and wchan stay open and are re-read with pread(2); the thread list
/// is /proc/PID/task.
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
    public let maxThreads: Int
    public private(set) var skipped = 0
    private var threads: [Int32: ThreadFiles] = [:]
    private var buffer = [UInt8](repeating: 0, count: 1024)
    /// /proc/PID/task, kept open and rewound (rewinddir(3)) for each listing.
    private let taskDirectory: OpaquePointer?

    public init(pid: Int32, maxThreads: Int = 256) {
        self.pid = pid
        self.maxThreads = maxThreads
        taskDirectory = opendir("/proc/\(pid)/task")
    }

    deinit {
        if let taskDirectory { closedir(taskDirectory) }
    }

    /// The thread ids listed now, from the numbers' bytes without building strings.
    private func listThreads() -> [Int32] {
        guard let taskDirectory else { return [] }
        rewinddir(taskDirectory)
        var tids: [Int32] = []
        while let entry = readdir(taskDirectory) {
            let tid = withUnsafeBytes(of: entry.pointee.d_name) { raw -> Int32? in
                var value: Int32 = 0
                var digits = 0
                for byte in raw {
                    if byte == 0 { break }
                    guard byte >= 0x30 && byte <= 0x39 else { return nil }
                    value = value &* 10 &+ Int32(byte - 0x30)
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            if let tid { tids.append(tid) }
        }
        return tids.sorted()
    }

    /// Every live thread now; empty once the process is gone. The task directory is listed only
    /// when the thread set may have changed: the kept threads' files are read first, and they
    /// answer alone when every read succeeds (a thread gone fails its read) and each thread's
    /// stat counts as many threads in the process as are kept (a new one shows in the count).
    /// Otherwise the listing drops the gone threads and only the new ones are read.
    public func sample() -> [ThreadSample] {
        var known: [ThreadSample]?
        if skipped == 0, !threads.isEmpty {
            let kept = read(threads.keys.sorted())
            if kept.samples.count == threads.count && kept.processThreads == threads.count { return kept.samples }
            known = kept.samples
        }
        let listed = listThreads()
        let tids = listed.prefix(maxThreads)
        skipped = listed.count - tids.count
        let wanted = Set(tids)
        threads = threads.filter { wanted.contains($0.key) }
        let fresh = tids.filter { threads[$0] == nil }
        for tid in fresh { threads[tid] = ThreadFiles(pid: pid, tid: tid) }
        guard let known else { return read(Array(tids)).samples }
        return (known.filter { wanted.contains($0.tid) } + read(fresh).samples).sorted { $0.tid < $1.tid }
    }

    /// The samples of `tids` through their kept files, with the process's thread count as the
    /// last thread's stat gave it; a thread gone (or a zombie) is left out.
    private func read(_ tids: [Int32]) -> (samples: [ThreadSample], processThreads: Int) {
        var samples: [ThreadSample] = []
        samples.reserveCapacity(tids.count)
        var processThreads = 0
        let tickNs = 1_000_000_000 / max(ProcessReader.ticksPerSecond, 1)
        for tid in tids {
            guard let files = threads[tid],
                let stat = files.stat.read(using: &buffer).flatMap(ProcStat.init(parsing:)),
                stat.state != "Z" && stat.state != "X"
            else { continue }
            processThreads = stat.threads
            let schedstat = files.schedstat?.read(using: &buffer).flatMap(ProcSchedstat.init(parsing:))
            let wchan = waitChannel(files, state: stat.state, cpuNs: schedstat?.cpuNs)
            samples.append(
                ThreadSample(
                    tid: tid, name: stat.comm, state: stat.state,
                    cpuNs: schedstat?.cpuNs ?? stat.cpuTimeNs(tickNs: tickNs),
                    runDelayNs: schedstat?.runDelayNs ?? 0, minorFaults: stat.minorFaults,
                    majorFaults: stat.majorFaults, wchan: wchan, processor: stat.processor))
        }
        return (samples, processThreads)
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
