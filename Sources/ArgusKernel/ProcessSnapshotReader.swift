import ArgusCore

/// One process of a tree read fresh from /proc: /proc/PID/{stat,cmdline,cwd,task/*/children}
/// and every thread as `ThreadSampler.capture` reads it.
enum ProcessSnapshotReader {
    struct Read {
        var process: ProcessCapture
        var threads: [ThreadCapture]
        var isKernelThread: Bool
    }

    /// nil when the process is gone (its stat cannot be read).
    static func read(pid: Int32, maxThreads: Int) -> Read? {
        let base = "/proc/\(pid)/"
        guard let stat = ProcFS.read(base + "stat").flatMap(ProcStat.init(parsing:)) else { return nil }
        let ticksPerSecond = ProcessReader.ticksPerSecond
        let tickNs = 1_000_000_000 / max(ticksPerSecond, 1)
        let threads = ThreadSampler.capture(pid: pid, maxThreads: maxThreads).map { thread in
            var thread = thread
            thread.pid = pid
            return thread
        }
        let process = ProcessCapture(
            pid: pid, parentPID: stat.ppid, name: stat.comm, argv: arguments(ProcFS.bytes(base + "cmdline") ?? []),
            cwd: ProcFS.link(base + "cwd"), state: String(stat.state),
            cpuNs: stat.cpuTimeNs(tickNs: tickNs), startTicks: stat.startTicks,
            started: WallTime(
                nanoseconds: Clocks.realtimeNs(ofStartTicks: stat.startTicks, ticksPerSecond: ticksPerSecond)),
            children: children(pid))
        return Read(process: process, threads: threads, isKernelThread: stat.isKernelThread)
    }

    /// /proc/PID/cmdline: NUL-separated arguments, the last one NUL-terminated.
    static func arguments(_ bytes: [UInt8]) -> [String] {
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if bytes.last == 0 { parts.removeLast() }
        return bytes.isEmpty ? [] : parts
    }

    /// The union of /proc/PID/task/TID/children over the process's threads (each lists the
    /// children that thread created), in pid order.
    static func children(_ pid: Int32) -> [Int32] {
        var children: Set<Int32> = []
        for tid in ProcFS.list("/proc/\(pid)/task") ?? [] {
            let text = ProcFS.read("/proc/\(pid)/task/\(tid)/children") ?? ""
            for field in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
                if let child = Int32(field) { children.insert(child) }
            }
        }
        return children.sorted()
    }
}
