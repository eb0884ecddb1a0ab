/// Everything `argus-trace run` was asked to do, after validation.
public struct RunOptions: Sendable {
    public var command: [String]
    public var intervalNs: UInt64
    public var logfiles: [String]
    public var appName: String?
    public var databasePath: String
    public var verbosity: Console.Verbosity
    /// Load the BPF programs for kernel counters (--no-bpf turns them off).
    public var useBPF = true
    public var reportPath: String?
    public var junitPath: String?
    public var graceNs: UInt64
    public var killOrphans: Bool
    public var arguments: [String]

    public init(
        command: [String], intervalNs: UInt64, logfiles: [String], appName: String?, databasePath: String,
        verbosity: Console.Verbosity, reportPath: String?, junitPath: String?, graceNs: UInt64, killOrphans: Bool,
        arguments: [String]
    ) {
        self.command = command
        self.intervalNs = intervalNs
        self.logfiles = logfiles
        self.appName = appName
        self.databasePath = databasePath
        self.verbosity = verbosity
        self.reportPath = reportPath
        self.junitPath = junitPath
        self.graceNs = graceNs
        self.killOrphans = killOrphans
        self.arguments = arguments
    }
}
