import ArgumentParser
import ArgusCore
import ArgusRuntime

/// `argus-trace run -- CMD [ARGS...]`: CI mode.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command, follow every process it starts, and exit with its status.",
        // Parsed on its own (Main), ArgumentParser would name the command "run" alone, and
        // `run --version` would not be the root's.
        usage: "argus-trace run [<options>] -- [<command> ...]",
        discussion: """
            CMD runs directly (no shell), with stdin, stdout and stderr untouched; argus-trace's own \
            lines go to stderr. Every fork, exec and exit of CMD and all its descendants is recorded \
            (process_events and processes tables), orphans included: argus-trace is their subreaper. \
            SIGINT, SIGTERM and SIGHUP go to CMD; a second SIGINT stops waiting.

            Examples:
              argus-trace run -- ./integration-tests.sh
              argus-trace run --junit processes.xml --report run.json -- make -j4 check
              argus-trace run --grace 0 --kill-orphans -- ./start-cluster.sh
              argus-trace run --timeout 15m --heartbeat 60 -- make check
              argus-trace run --retention 30d --max-db-size 2GiB -- ./nightly.sh
              argus-trace run --metrics-listen :9464 -- ./load-test.sh      (Prometheus /metrics)

            With --timeout, when the time is up argus-trace captures what every process of the tree \
            is doing (state, wchan, syscall, kernel and user stacks), sends --timeout-signal to all \
            of them, SIGKILL after --kill-after, and exits with 124 as timeout(1) does.

            Exit status: CMD's (128+N when a signal N killed it, as a shell reports); 124 the \
            --timeout passed; 125 \
            argus-trace itself failed (including a bad command line, or --metrics-listen that cannot \
            listen); 126 CMD could not be \
            executed; 127 CMD was not found.
            """,
        version: ArgusVersion.current
    )

    @OptionGroup var recording: RecordingOptions

    @OptionGroup(title: "Stall detection (every process of the tree)") var stalls: StallOptions

    @Option(name: .long, help: ArgumentHelp("Write the run's report as JSON to this file.", valueName: "file.json"))
    var report: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Write one JUnit test case per program run to this file.", valueName: "file.xml"))
    var junit: String?

    @Option(
        name: .long,
        help: ArgumentHelp("After CMD ends, seconds to wait for the processes it left running.", valueName: "seconds"))
    var grace: Double = 5

    @Flag(name: .long, help: "When the grace period ends, stop what is left (SIGTERM, then SIGKILL).")
    var killOrphans = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Stop CMD's whole tree after this long (90, 90s, 15m, 2h), first capturing what every process was doing; "
                + "exit 124.", valueName: "duration"))
    var timeout: String?

    @Option(
        name: .long, help: ArgumentHelp("Signal sent to the tree at the timeout (default TERM).", valueName: "signal"))
    var timeoutSignal = "TERM"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "After the timeout signal, SIGKILL what is left this much later (default 10s).", valueName: "duration"))
    var killAfter = "10s"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Every this many seconds, a line on stderr: how many processes run and the longest-running.",
            valueName: "seconds"))
    var heartbeat: Double?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run, after --.", valueName: "command"))
    var command: [String] = []

    mutating func validate() throws {
        if command.isEmpty { throw ValidationError("run needs a command after -- (argus-trace run -- CMD ARGS...)") }
        guard grace.isFinite, grace >= 0, grace <= 86_400 else {
            throw ValidationError("--grace must be between 0 and 86400 seconds (got \(grace))")
        }
        try recording.validate()
        try stalls.validate()
        if let timeout, DurationText.nanoseconds(timeout).map({ $0 > 0 }) != true {
            throw ValidationError(
                "--timeout must be a duration such as 90, 90s, 15m or 2h, more than 0 (got \(timeout))")
        }
        guard DurationText.nanoseconds(killAfter) != nil else {
            throw ValidationError("--kill-after must be a duration such as 10s (got \(killAfter))")
        }
        guard SignalName.number(of: timeoutSignal) != nil else {
            throw ValidationError("--timeout-signal must name a signal such as TERM, INT or 9 (got \(timeoutSignal))")
        }
        if let heartbeat, !(heartbeat.isFinite && heartbeat >= 1 && heartbeat <= 86_400) {
            throw ValidationError("--heartbeat must be between 1 and 86400 seconds (got \(heartbeat))")
        }
    }

    func run() throws {
        var options = RunOptions(
            command: command, reportPath: report, junitPath: junit, graceNs: UInt64((grace * 1e9).rounded()),
            killOrphans: killOrphans, recording: recording.settings)
        options.timeoutNs = timeout.flatMap(DurationText.nanoseconds)
        options.timeoutSignal = Int32(SignalName.number(of: timeoutSignal) ?? 15)
        options.killAfterNs = DurationText.nanoseconds(killAfter) ?? 10_000_000_000
        options.heartbeatNs = heartbeat.map { UInt64(($0 * 1e9).rounded()) }
        options.stalls = stalls.settings
        let status = Session.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}
