import ArgumentParser
import ArgusRuntime

/// `argus-trace report [SESSION]`: one recorded session as text, JSON, a trace or a page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show a recorded session: its exit summary, or as JSON, a Perfetto trace or an HTML page.",
        discussion: """
            Without options: the summary the session printed when it ended (a run's process tree \
            with failures and the longest-running, or a watch's counts), rebuilt from the database, \
            for any past session or one still being recorded. --json is the same data for scripts. \
            --trace writes Chrome trace-event JSON (open it in ui.perfetto.dev or chrome://tracing); \
            --html writes one self-contained page (charts of CPU, memory, threads and run-queue \
            delay, the process timeline, stalls and log lines) that opens offline.

            Examples:
              argus-trace report
              argus-trace report 12 --html session12.html
              argus-trace report --db /tmp/ci.db --trace ci.trace.json
              argus-trace report 3 --json

            Exit status: 0 done; 1 the database cannot be read or is not argus-trace's, no such \
            session, or an output file cannot be written; 2 bad command line.
            """
    )

    @Argument(
        help: ArgumentHelp("The session to show (its id from 'sessions'; default: the latest).", valueName: "session"))
    var id: Int64?

    @OptionGroup var database: DatabaseOption

    @OptionGroup var configFile: ConfigOption

    @Option(name: .long, help: ArgumentHelp("Write the session as one offline HTML page.", valueName: "file"))
    var html: String?

    @Option(name: .long, help: ArgumentHelp("Write the session as Chrome trace-event JSON.", valueName: "file"))
    var trace: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if let id, id <= 0 { throw ValidationError("a session id is a positive number, not \(id)") }
        if html?.isEmpty == true { throw ValidationError("--html needs a file") }
        if trace?.isEmpty == true { throw ValidationError("--trace needs a file") }
        try database.validate()
    }

    func run() throws {
        let status = SessionReport.print(
            databasePath: database.path, id: id,
            outputs: SessionReport.Outputs(json: json, htmlPath: html, tracePath: trace),
            console: Console(verbosity: .normal, progressTo: 2))
        if status != 0 { throw ExitCode(status) }
    }
}
