/// argus-trace's own process, as an exporter describes itself (`process_*`, the only use of
/// that prefix): read when a scrape is served.
public struct ExporterSelfUsage: Sendable, Equatable {
    public var cpuSeconds: Double
    public var residentBytes: UInt64
    public var virtualBytes: UInt64
    public var openFds: Int?
    /// When it started, in seconds since the epoch.
    public var startTimeSeconds: Double

    public init(
        cpuSeconds: Double, residentBytes: UInt64, virtualBytes: UInt64, openFds: Int?, startTimeSeconds: Double
    ) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
        self.virtualBytes = virtualBytes
        self.openFds = openFds
        self.startTimeSeconds = startTimeSeconds
    }
}
