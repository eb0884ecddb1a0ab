import ArgumentParser
import ArgusRuntime

/// `argus-trace stalls [ID]`: the stalls recorded in a database.
struct StallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stalls",
        abstract: "List the stalls recorded in a database, or show one with its timeline.",
        discussion: """
            Without ID: one line per stall (id, kind, process, start, duration, what crossed which \
            threshold). With ID: the stall, then its timeline: the fine samples from before it \
            (--stall-window of the watch, 30 s by default) and during it, with its entry, peak, \
            checkpoint and exit snapshots in place (every thread's state, wchan, syscall and kernel \
            stack, the system's pressure, its top CPU and I/O users).

            Examples:
              argus-trace stalls
              argus-trace stalls 3
              argus-trace stalls --db /tmp/worker.db --json

            Exit status: 0 shown; 1 no such stall, or the database cannot be read; 2 bad command line.
            """
    )

    @Argument(help: ArgumentHelp("The stall to show (its id from the list).", valueName: "id"))
    var id: Int64?

    @OptionGroup var database: DatabaseOption

    @OptionGroup var configFile: ConfigOption

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if let id, id <= 0 { throw ValidationError("a stall id is a positive number, not \(id)") }
        try database.validate()
    }

    func run() throws {
        let path = database.path
        let status = StallReport.print(databasePath: path, id: id, json: json, console: Console(verbosity: .normal))
        if status != 0 { throw ExitCode(status) }
    }
}
