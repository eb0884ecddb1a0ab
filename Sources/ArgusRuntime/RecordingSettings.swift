import ArgusCore
import ArgusKernel
import ArgusStore

/// What every recording command shares (watch and run): how often, what else to follow,
/// where to store, how loud.
public struct RecordingSettings: Sendable {
    public var intervalNs: UInt64
    public var logfiles: [String]
    public var appName: String?
    public var databasePath: String
    public var verbosity: Console.Verbosity
    /// Load the BPF programs for kernel counters (--no-bpf turns them off).
    public var useBPF: Bool
    /// Count every wait for a CPU with a sched_switch probe: the run-queue delay histogram and
    /// longest wait (--runq-histogram; costs the watched program a few % when it switches a lot).
    public var runQueueHistogram: Bool
    /// The command line as given, stored in the session row.
    public var arguments: [String]
    /// --retention: ended sessions older than this are removed at start and every
    /// `retentionPeriodNs` while recording (by the writer thread, between batches).
    public var retentionNs: UInt64?
    /// --max-db-size: the oldest ended sessions are removed while the data takes more bytes.
    public var maxDatabaseBytes: UInt64?
    public var retentionPeriodNs: UInt64 = 600_000_000_000
    /// Where following a log starts (--logfile-start): by default where the database's rows of
    /// its path end.
    public var logfileStart: LogStartMode
    /// --alert, --alert-cpu, --alert-memory: the rules the session evaluates (Session+Alerts).
    public var alertRules: [AlertRule] = []
    /// --on-alert: an executable run on each firing, with the alert in its environment.
    public var alertHook: String?
    /// How long --on-alert's program may run before it is killed.
    public var alertHookTimeoutNs: UInt64 = 10_000_000_000
    /// --metrics-listen: serve Prometheus /metrics on this address.
    public var metricsListen: ListenAddress?
    /// --metrics-pid-label: series carry a pid label.
    public var metricsPidLabel = false
    /// --otlp-endpoint: the OpenTelemetry collector's OTLP/HTTP base URL; nil: no OTLP export.
    public var otlpEndpoint: String?
    /// --server: Gaze's Argus server to upload every row to, from the database; nil: none.
    public var server: ServerSettings?

    public init(
        intervalNs: UInt64, logfiles: [String], appName: String?, databasePath: String, verbosity: Console.Verbosity,
        useBPF: Bool, runQueueHistogram: Bool = false, arguments: [String], logfileStart: LogStartMode = .resume
    ) {
        self.intervalNs = intervalNs
        self.logfiles = logfiles
        self.appName = appName
        self.databasePath = databasePath
        self.verbosity = verbosity
        self.useBPF = useBPF
        self.runQueueHistogram = runQueueHistogram
        self.arguments = arguments
        self.logfileStart = logfileStart
    }
}

extension RecordingSettings {
    /// What the writer thread applies while recording; nil when neither limit is set.
    var retentionPolicy: RetentionPolicy? {
        let rule = RetentionRule(olderThanNs: retentionNs, maxBytes: maxDatabaseBytes)
        guard !rule.isEmpty else { return nil }
        return RetentionPolicy(rule: rule, periodNs: retentionPeriodNs, wallClockNs: { Clocks.realtimeNs() })
    }
}

/// Gaze's `--server`: where rows are uploaded, and the API key sent with them.
public struct ServerSettings: Sendable, Equatable {
    public var url: String
    /// From --server-key-file or ARGUS_API_KEY; never from the command line.
    public var apiKey: String?

    public init(url: String, apiKey: String?) {
        self.url = url
        self.apiKey = apiKey
    }
}
