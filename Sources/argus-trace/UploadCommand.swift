import ArgumentParser
import ArgusCore
import ArgusRuntime

/// `argus-trace upload --server URL [SESSION]`: sends stored sessions to Gaze's Argus server.
struct UploadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Send recorded sessions to an Argus server (Gaze's --server upload), from the database's outbox.",
        discussion: """
            Every row of Gaze's three tables (performance_metrics, log_entries, process_events) \
            goes as one POST {url}/api/ingest with the Gaze v0.3 payload, in id order, after what \
            the server already took: the same per-session cursor as a recording's --server, so a \
            row is never sent again after a success, whichever of the two sent it. A server that \
            fails is retried with backoff for --retry-for. The API key comes from \
            --server-key-file or ARGUS_API_KEY (sent as X-API-Key), never from the command line.

            Examples:
              argus-trace upload --server http://localhost:8000
              argus-trace upload --server https://argus.example.com 12 --server-key-file /etc/argus/key

            Exit status: 0 everything sent (or nothing was left); 1 rows are left (the server \
            failed), no such session, or the database cannot be used; 2 bad command line.
            """
    )

    @Argument(help: ArgumentHelp("The session to send (its id); default: every session.", valueName: "session"))
    var session: Int64?

    @OptionGroup var server: ServerOptions

    @OptionGroup var database: DatabaseOption

    @OptionGroup var configFile: ConfigOption

    @Option(
        name: .long,
        help: ArgumentHelp("How long to retry a failing server before giving up (e.g. 60s, 5m).", valueName: "duration")
    )
    var retryFor = "60s"

    func validate() throws {
        guard server.server != nil else { throw ValidationError("upload needs --server URL") }
        try server.validate()
        try database.validate()
        if let session, session <= 0 { throw ValidationError("a session id is a positive number, not \(session)") }
        guard DurationText.nanoseconds(retryFor) != nil else {
            throw ValidationError("--retry-for takes a duration like 60s or 5m, not '\(retryFor)'")
        }
    }

    func run() throws {
        guard let settings = server.settings else { throw ExitCode(2) }
        let status = ServerUpload.run(
            databasePath: database.path, server: settings, session: session,
            retryForNs: DurationText.nanoseconds(retryFor) ?? 60_000_000_000, console: Console(verbosity: .normal))
        if status != 0 { throw ExitCode(status) }
    }
}
