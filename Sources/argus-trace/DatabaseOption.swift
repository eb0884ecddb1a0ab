import ArgumentParser
import ArgusRuntime

/// `--db PATH`, which every command that records or reads takes: the SQLite file, by default
/// `~/.argus/argus_runtime.db` as Gaze names it.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp("SQLite database file (default: ~/.argus/argus_runtime.db).", valueName: "path")
    )
    var db: String?

    func validate() throws {
        if let db, db.isEmpty { throw ValidationError("--db needs a path") }
    }

    /// The file to use: --db, else the default.
    var path: String { db ?? WatchOptions.defaultDatabasePath() }
}
