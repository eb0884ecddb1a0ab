import ArgumentParser
import ArgusCore
import ArgusRuntime

/// Options shared by every command that records: where, how often, how loud.
struct RecordingOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Seconds between samples (at least 0.1).", valueName: "seconds"))
    var interval: Double = 5

    @Option(name: .long, help: ArgumentHelp("Log file to follow (repeatable).", valueName: "path"))
    var logfile: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where following a --logfile starts: resume (where the database's lines of that path end, reading what "
                + "was written while argus-trace was not running; its end when there are none), end, or beginning.",
            valueName: "resume|end|beginning"))
    var logfileStart: LogStartMode?

    @Option(
        name: .long, help: ArgumentHelp("Application name to record instead of the process name.", valueName: "name"))
    var appName: String?

    @OptionGroup var database: DatabaseOption

    @OptionGroup var configFile: ConfigOption

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Remove ended sessions older than this from the database, at start and every 10 minutes "
                + "(e.g. 30d; the session being recorded is kept whole).", valueName: "duration"))
    var retention: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Remove the oldest ended sessions while the data takes more than this (e.g. 2GiB, 500MB).",
            valueName: "size"))
    var maxDbSize: String?

    @Flag(name: .long, help: "Do not load the BPF programs (kernel counters off; /proc sampling goes on).")
    var noBpf = false

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Count every wait for a CPU in the kernel (a sched_switch probe): the run-queue delay histogram "
                + "and longest wait (bpf_runq_histogram, bpf_runq_delay_max_ns). Off by default: it costs a "
                + "program that switches often a few %."))
    var runqHistogram = false

    @OptionGroup var export: ExportOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9464, [::1]:9464, :9464 for "
                + "every interface).", valueName: "host:port"))
    var metricsListen: String?

    @Flag(
        name: .long,
        help: "Add a pid label to the --metrics-listen series (one series per process: more series, more churn).")
    var metricsPidLabel = false

    @OptionGroup(title: "Alerts") var alerts: AlertOptions

    @Flag(name: .long, help: "Print detail about argus-trace's own work.")
    var verbose = false

    @Flag(name: .long, help: "Print errors and warnings only.")
    var quiet = false

    func validate() throws {
        guard interval.isFinite, interval >= 0.1 else {
            throw ValidationError("--interval must be a number of seconds, at least 0.1 (got \(interval))")
        }
        guard interval <= 86_400 else { throw ValidationError("--interval must be at most 86400 seconds") }
        if verbose && quiet { throw ValidationError("--verbose and --quiet are mutually exclusive") }
        if let appName, appName.isEmpty { throw ValidationError("--app-name needs a non-empty name") }
        if logfileStart != nil && logfile.isEmpty { throw ValidationError("--logfile-start needs a --logfile") }
        try database.validate()
        try export.validate()
        try export.server.validate()
        if let retention, (DurationText.nanoseconds(retention) ?? 0) == 0 {
            throw ValidationError("--retention takes a duration like 30d, 12h, 90m or 45s, not '\(retention)'")
        }
        if let maxDbSize, SizeText.bytes(maxDbSize) == nil {
            throw ValidationError("--max-db-size takes a size like 500MB, 2GiB or 100k, not '\(maxDbSize)'")
        }
        if let metricsListen, ListenAddress(parsing: metricsListen) == nil {
            throw ValidationError(
                "--metrics-listen takes HOST:PORT, like 127.0.0.1:9464 or :9464, not '\(metricsListen)'")
        }
        if metricsPidLabel && metricsListen == nil {
            throw ValidationError("--metrics-pid-label needs --metrics-listen")
        }
        if runqHistogram && noBpf {
            throw ValidationError("--runq-histogram needs the BPF programs: not with --no-bpf")
        }
        try alerts.validate()
    }

    var intervalNs: UInt64 { UInt64((interval * 1e9).rounded()) }

    /// What the runtime takes from these options.
    var settings: RecordingSettings {
        var settings = RecordingSettings(
            intervalNs: intervalNs, logfiles: logfile, appName: appName, databasePath: databasePath,
            verbosity: verbosity, useBPF: !noBpf, runQueueHistogram: runqHistogram, arguments: CommandLine.arguments,
            logfileStart: logfileStart ?? .resume)
        settings.retentionNs = retention.flatMap(DurationText.nanoseconds)
        settings.maxDatabaseBytes = maxDbSize.flatMap(SizeText.bytes)
        alerts.apply(to: &settings)
        settings.metricsListen = metricsListen.flatMap(ListenAddress.init(parsing:))
        settings.metricsPidLabel = metricsPidLabel
        settings.otlpEndpoint = export.otlpEndpoint
        settings.server = export.server.settings
        return settings
    }

    var verbosity: Console.Verbosity { verbose ? .verbose : quiet ? .quiet : .normal }

    var databasePath: String { database.path }
}

/// `--logfile-start end|resume|beginning`.
extension LogStartMode: ExpressibleByArgument {
    /// Spelled out where the type is known: ArgumentParser's default for a CaseIterable enum
    /// runs unspecialized, instantiating metadata at every start (about 0.5M instructions).
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
