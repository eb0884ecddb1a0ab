/// Everything `argus-trace run` was asked to do, after validation.
public struct RunOptions: Sendable {
    public var command: [String]
    public var reportPath: String?
    public var junitPath: String?
    public var graceNs: UInt64
    public var killOrphans: Bool
    public var recording: RecordingSettings

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
