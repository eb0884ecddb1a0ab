import ArgumentParser
import ArgusRuntime

/// `argus-trace run -- CMD [ARGS...]`: CI mode.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command, follow every process it starts, and exit with its status.",
        discussion: """
            CMD runs directly (no shell), with stdin, stdout and stderr untouched; argus-trace's own \
            lines go to stderr. Every fork, exec and exit of CMD and all its descendants is recorded \
            (process_events and processes tables), orphans included: argus-trace is their subreaper. \
            SIGINT, SIGTERM and SIGHUP go to CMD; a second SIGINT stops waiting.

            Examples:
              argus-trace run -- ./integration-tests.sh
              argus-trace run --junit processes.xml --report run.json -- make -j4 check
              argus-trace run --grace 0 --kill-orphans -- ./start-cluster.sh

            Exit status: CMD's (128+N when a signal N killed it, as a shell reports); 125 \
            argus-trace itself failed (including a bad command line); 126 CMD could not be \
            executed; 127 CMD was not found.
            """
    )

    @OptionGroup var recording: RecordingOptions

    @Option(name: .long, help: ArgumentHelp("Write the run's report as JSON to this file.", valueName: "file.json"))
    var report: String?

    @Option(name: .long, help: ArgumentHelp("Write one JUnit test case per program run to this file.", valueName: "file.xml"))
    var junit: String?

    @Option(
        name: .long,
        help: ArgumentHelp("After CMD ends, seconds to wait for the processes it left running.", valueName: "seconds"))
    var grace: Double = 5

    @Flag(name: .long, help: "When the grace period ends, stop what is left (SIGTERM, then SIGKILL).")
    var killOrphans = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run, after --.", valueName: "command"))
    var command: [String] = []

    mutating func validate() throws {
        if command.isEmpty { throw ValidationError("run needs a command after -- (argus-trace run -- CMD ARGS...)") }
        guard grace.isFinite, grace >= 0 else { throw ValidationError("--grace must be 0 or more seconds (got \(grace))") }
        try recording.validate()
    }

    func run() throws {
        let options = RunOptions(
            command: command, reportPath: report, junitPath: junit, graceNs: UInt64((grace * 1e9).rounded()),
            killOrphans: killOrphans, recording: recording.settings)
        let status = Session.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}
