import ArgusCore

/// Reads every process's CPU ticks and storage bytes from /proc (stat and io). A few ms on a
/// machine with hundreds of processes: done only when a stall snapshot is taken.
public enum SystemScan {
    public static func activity() -> SystemActivity {
        var processes: [Int32: SystemActivity.Entry] = [:]
        for pid in ProcFS.processIDs() {
            guard let stat = ProcessReader.stat(pid) else { continue }
            let io = ProcFS.read("/proc/\(pid)/io").flatMap(ProcIO.init(parsing:))
            processes[pid] = SystemActivity.Entry(
                comm: stat.comm, startTicks: stat.startTicks, cpuTicks: stat.cpuTicks,
                ioBytes: io.map { $0.readBytes + $0.writeBytes })
        }
        return SystemActivity(monotonicNs: Clocks.monotonicNs(), processes: processes)
    }
}
