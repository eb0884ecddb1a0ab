/// Everything `argus-trace --pid/--process` was asked to do, after validation.
public struct WatchOptions: Sendable {
    public enum Target: Sendable, Equatable {
        case pid(Int32)
        case name(String, wait: Bool)
    }

    public var target: Target
    public var intervalNs: UInt64
    public var logfiles: [String]
    public var appName: String?
    public var databasePath: String
    public var verbosity: Console.Verbosity
    /// Load the BPF programs for kernel counters (--no-bpf turns them off).
    public var useBPF = true
    /// The command line as given, stored in the session row.
    public var arguments: [String]

    public init(
        target: Target, intervalNs: UInt64, logfiles: [String], appName: String?, databasePath: String,
        verbosity: Console.Verbosity, arguments: [String]
    ) {
        self.target = target
        self.intervalNs = intervalNs
        self.logfiles = logfiles
        self.appName = appName
        self.databasePath = databasePath
        self.verbosity = verbosity
        self.arguments = arguments
    }

    /// `~/.argus/argus_runtime.db`, as Gaze names it.
    public static func defaultDatabasePath(home: String?) -> String {
        let base = (home?.isEmpty == false ? home! : "/root")
        return base + (base.hasSuffix("/") ? "" : "/") + ".argus/argus_runtime.db"
    }
}
