/// Everything `argus-trace run` was asked to do, after validation.
public struct RunOptions: Sendable {
    public var command: [String]
    public var reportPath: String?
    public var junitPath: String?
    public var graceNs: UInt64
    public var killOrphans: Bool
    public var recording: RecordingSettings
    /// --timeout: how long CMD may run before its tree is captured and stopped (nil: no limit).
    public var timeoutNs: UInt64?
    /// --timeout-signal: sent to every process of the tree at the deadline.
    public var timeoutSignal: Int32 = 15
    /// --kill-after: SIGKILL to what is left this long after the timeout signal.
    public var killAfterNs: UInt64 = 10_000_000_000
    /// --heartbeat: a line on stderr this often while CMD runs (nil: off).
    public var heartbeatNs: UInt64?
    /// Stall detection across every process of the tree.
    public var stalls = StallSettings()

    public init(
        command: [String], reportPath: String?, junitPath: String?, graceNs: UInt64, killOrphans: Bool,
        recording: RecordingSettings
    ) {
        self.command = command
        self.reportPath = reportPath
        self.junitPath = junitPath
        self.graceNs = graceNs
        self.killOrphans = killOrphans
        self.recording = recording
    }
}
