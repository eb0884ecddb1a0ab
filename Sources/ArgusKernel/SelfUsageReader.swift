import ArgusCore
import Glibc

/// argus-trace's own CPU, memory, descriptors and start, for an exporter's `process_*` metrics.
public enum SelfUsageReader {
    /// /proc/self/stat (CPU ticks, RSS, VMS, start), /proc/self/fd; nil when /proc is unreadable.
    public static func read() -> ExporterSelfUsage? {
        guard let stat = ProcFS.read("/proc/self/stat").flatMap(ProcStat.init(parsing:)) else { return nil }
        let ticks = Double(max(ProcessReader.ticksPerSecond, 1))
        let started = Clocks.realtimeNs(ofStartTicks: stat.startTicks, ticksPerSecond: ProcessReader.ticksPerSecond)
        return ExporterSelfUsage(
            cpuSeconds: Double(stat.userTicks + stat.systemTicks) / ticks,
            residentBytes: stat.rssPages &* ProcessReader.pageSize, virtualBytes: stat.vsizeBytes,
            openFds: ProcFS.list("/proc/self/fd").map(\.count),
            startTimeSeconds: (Double(started) / 1e7).rounded() / 100)
    }
}
