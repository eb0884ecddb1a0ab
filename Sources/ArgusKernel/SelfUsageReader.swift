import ArgusCore
import Glibc

/// argus-trace's own CPU, memory, descriptors and start, for an exporter's `process_*` metrics.
public enum SelfUsageReader {
    /// /proc/self/stat (CPU ticks, RSS, VMS, start); nil when /proc is unreadable. Open
    /// descriptors are not counted: listing /proc/self/fd, with a descriptor or more per watched
    /// process, was most of a scrape's cost for a 200-process tree.
    public static func read() -> ExporterSelfUsage? {
        guard let stat = ProcFS.read("/proc/self/stat").flatMap(ProcStat.init(parsing:)) else { return nil }
        let ticks = Double(max(ProcessReader.ticksPerSecond, 1))
        let started = Clocks.realtimeNs(ofStartTicks: stat.startTicks, ticksPerSecond: ProcessReader.ticksPerSecond)
        return ExporterSelfUsage(
            cpuSeconds: Double(stat.cpuTicks) / ticks,
            residentBytes: stat.rssPages &* ProcessReader.pageSize, virtualBytes: stat.vsizeBytes,
            openFds: nil,
            startTimeSeconds: (Double(started) / 1e7).rounded() / 100)
    }
}
