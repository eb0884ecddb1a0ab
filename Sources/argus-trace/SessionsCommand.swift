import ArgumentParser
import ArgusRuntime

/// `argus-trace sessions`: the sessions recorded in a database.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List the sessions recorded in a database.",
        discussion: """
            One line per session, oldest first: id, mode, host, start, duration, how it ended (the \
            target's exit status, or "recording" while it is recorded), the samples, processes, log \
            lines and stalls it holds, and its command or target. Reads through the WAL without \
            disturbing a recorder writing into the same file.

            Examples:
              argus-trace sessions
              argus-trace sessions --db /tmp/ci.db --json

            Exit status: 0 listed; 1 the database cannot be read or is not argus-trace's; 2 bad \
            command line.
            """
    )

    @OptionGroup var database: DatabaseOption

    @OptionGroup var configFile: ConfigOption

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws { try database.validate() }

    func run() throws {
        let status = SessionList.print(
            databasePath: database.path, json: json, console: Console(verbosity: .normal, progressTo: 2))
        if status != 0 { throw ExitCode(status) }
    }
}
