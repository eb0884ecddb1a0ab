import ArgusCore
import ArgusKernel

/// Turns /proc readings of the target into metric rows, keeping the previous reading for the
/// CPU percentage.
struct Sampler {
    let pid: Int32
    let startTicks: UInt64
    let files: ProcessFiles
    private var previous: (cpuNs: UInt64, monotonicNs: UInt64)?

    init(pid: Int32, startTicks: UInt64) {
        self.pid = pid
        self.startTicks = startTicks
        files = ProcessFiles(pid: pid)
    }

    /// One sample, or nil when the process is gone (every thread exited), or its pid names another
    /// process. The first sample's CPU % is the average since the process started (as `ps`
    /// shows it); later ones cover the time since the previous sample (as psutil does).
    /// `threadSwitches` false: the switches of a process with several threads are left nil, for
    /// the kernel counters to fill from their own reading of its threads (see ProcessReader.read).
    mutating func sample(appName: String, processName: String, threadSwitches: Bool = true) -> MetricRecord? {
        guard let reading = ProcessReader.read(files, threadSwitches: threadSwitches),
            reading.stat.startTicks == startTicks
        else { return nil }

        let percent: Double
        if let previous {
            percent = CPUUsage.percent(
                fromCPU: previous.cpuNs, toCPU: reading.cpuTimeNs,
                fromWall: Int64(previous.monotonicNs), toWall: Int64(reading.monotonicNs))
        } else {
            let tickNs = 1_000_000_000 / max(ProcessReader.ticksPerSecond, 1)
            let age = Int64(Clocks.boottimeNs()) - Int64(startTicks * tickNs)
            percent = CPUUsage.percent(cpuNs: reading.cpuTimeNs, wallNs: age)
        }
        previous = (reading.cpuTimeNs, reading.monotonicNs)

        let megabyte = 1024.0 * 1024.0
        let tickNs = 1_000_000_000 / max(ProcessReader.ticksPerSecond, 1)
        var row = MetricRecord(
            time: WallTime(nanoseconds: reading.realtimeNs), appName: appName, processName: processName, pid: pid,
            cpuPercent: (percent * 10).rounded() / 10, memoryMB: Double(reading.rssBytes) / megabyte,
            threadCount: reading.stat.threads, startTicks: startTicks, vmsMB: Double(reading.vmsBytes) / megabyte,
            openFds: reading.openFds, voluntarySwitches: reading.voluntarySwitches,
            involuntarySwitches: reading.involuntarySwitches, minorFaults: reading.stat.minorFaults,
            majorFaults: reading.stat.majorFaults, readBytes: reading.io?.readBytes, writeBytes: reading.io?.writeBytes,
            state: String(reading.stat.state), cpuTimeNs: reading.cpuTimeNs,
            cpuUserNs: reading.stat.userTicks &* tickNs, cpuSystemNs: reading.stat.systemTicks &* tickNs)
        row.cpuFromClock = reading.cpuFromClock
        return row
    }
}
