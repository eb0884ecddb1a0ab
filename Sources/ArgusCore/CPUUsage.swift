/// CPU percentage as psutil computes it: CPU time over wall time, per core, so a process with
/// two busy threads shows 200 %.
public enum CPUUsage {
    public static func percent(cpuNs: UInt64, wallNs: Int64) -> Double {
        guard wallNs > 0 else { return 0 }
        return Double(cpuNs) / Double(wallNs) * 100
    }

    /// The percentage between two readings; a counter that went backwards (pid reuse, a reset)
    /// gives 0 rather than a nonsense value.
    public static func percent(
        fromCPU previousCPU: UInt64, toCPU cpu: UInt64, fromWall previousWall: Int64, toWall wall: Int64
    ) -> Double {
        guard cpu >= previousCPU else { return 0 }
        return percent(cpuNs: cpu - previousCPU, wallNs: wall - previousWall)
    }
}
