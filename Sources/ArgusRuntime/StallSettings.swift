import ArgusCore

/// How the watch looks for stalls: how often it samples threads, how much it keeps from before
/// a stall, and when each kind is declared.
public struct StallSettings: Sendable {
    /// Off with --no-stalls: no fine sampling, no ring buffer, no detection.
    public var enabled = true
    public var sampleIntervalNs: UInt64 = 200_000_000
    /// Fine samples kept in memory, and saved when a stall begins: this long before it.
    public var windowNs: UInt64 = 30_000_000_000
    public var thresholds = StallThresholds()

    public init() {}

    /// Samples the ring holds.
    var ringCapacity: Int { max(Int(windowNs / max(sampleIntervalNs, 1)), 1) + 1 }
}
