import ArgusCore

/// Everything one session recorded, as `argus-trace report` reads it back: raw rows, in time
/// order. Derived views (the tree, the summary, charts) are built from it by the report.
public struct SessionRecording: Sendable {
    public var session: RecordedSession
    /// Its `processes` rows (schema 3), in the order they started.
    public var processes: [ProcessRecord]
    public var events: [Event]
    public var metrics: [Metric]
    public var groupSamples: [GroupSample]
    public var logLines: [LogLine]
    public var stalls: [StallReader.Stall]
    /// The first snapshot of a `timeout` stall (schema 8): the tree `run --timeout` captured.
    public var timeoutCapture: StallReader.Snapshot?

    /// One `process_events` row.
    public struct Event: Sendable, Equatable {
        public var timeNs: Int64
        public var pid: Int32
        public var processName: String
        public var type: String
        public var exitCode: Int64?
        public var signal: Int64?
        public var parentPid: Int32?
        public var detail: String?
    }

    /// One `performance_metrics` row: what the report draws.
    public struct Metric: Sendable, Equatable {
        public var timeNs: Int64
        public var pid: Int32
        public var processName: String
        public var cpuPercent: Double
        public var memoryMB: Double
        public var threadCount: Int64
        /// Run-queue wait since the previous sample (schema 4; nil without BPF).
        public var runqDelayNs: Int64?
    }

    /// One `group_samples` row (schema 7).
    public struct GroupSample: Sendable, Equatable {
        public var timeNs: Int64
        public var processCount: Int64
        public var cpuPercent: Double
        public var memoryMB: Double
        public var threadCount: Int64
    }

    /// One `log_entries` row.
    public struct LogLine: Sendable, Equatable {
        public var timeNs: Int64
        public var path: String?
        public var line: String
        /// Read after a restart from before this session's start (schema 9).
        public var readLate: Bool
    }
}
