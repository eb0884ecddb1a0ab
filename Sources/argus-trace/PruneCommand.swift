import ArgumentParser
import ArgusCore
import ArgusKernel
import ArgusRuntime
import ArgusStore

/// `argus-trace prune`: removes old sessions from a database and gives the space back.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove whole ended sessions from a database, oldest first, and give the space back.",
        discussion: """
            A session goes with every row that belongs to it (samples, logs, events, processes, \
            stalls with their snapshots, fine and group samples), a small transaction at a time, so \
            a recorder writing into the same database goes on meanwhile. A session that has not \
            ended (still recording, or its recorder was killed) is kept unless --include-unfinished. \
            Then free pages go back to the file system: at once when the file has \
            auto_vacuum = INCREMENTAL, else with --vacuum (a full rewrite, which also switches the \
            file to INCREMENTAL for next time).

            DURATION: 45s, 90m, 12h, 30d. SIZE: 100k, 2GiB (powers of 1024), 500MB (powers of 1000).

            Examples:
              argus-trace prune --older-than 30d
              argus-trace prune --keep-sessions 10 --dry-run
              argus-trace prune --db /tmp/worker.db --max-size 500MB --vacuum

            Exit status: 0 done; 1 the database cannot be read or written; 2 bad command line.
            """
    )

    @OptionGroup var database: DatabaseOption

    @OptionGroup var configFile: ConfigOption

    @Option(name: .long, help: ArgumentHelp("Remove sessions that ended longer ago than this.", valueName: "duration"))
    var olderThan: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Keep this many newest sessions; remove the ended ones before them.", valueName: "n"))
    var keepSessions: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Remove the oldest ended sessions until the data takes at most this much.", valueName: "size"))
    var maxSize: String?

    @Flag(name: .long, help: "Say what would be removed; change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Rewrite the file afterwards (VACUUM) when it cannot shrink incrementally.")
    var vacuum = false

    @Flag(name: .long, help: "Also remove sessions that never ended (their recorder died). Not for a live one.")
    var includeUnfinished = false

    func validate() throws {
        try database.validate()
        if olderThan == nil && keepSessions == nil && maxSize == nil {
            throw ValidationError("one of --older-than, --keep-sessions or --max-size is required")
        }
        _ = try rule()
    }

    /// The rule the options give; a ValidationError naming the bad value.
    func rule() throws -> RetentionRule {
        var rule = RetentionRule(includeUnfinished: includeUnfinished)
        if let olderThan {
            guard let ns = DurationText.nanoseconds(olderThan), ns > 0 else {
                throw ValidationError("--older-than takes a duration like 30d, 12h, 90m or 45s, not '\(olderThan)'")
            }
            rule.olderThanNs = ns
        }
        if let keepSessions {
            guard keepSessions >= 0 else {
                throw ValidationError("--keep-sessions must be 0 or more, not \(keepSessions)")
            }
            rule.keepSessions = keepSessions
        }
        if let maxSize {
            guard let bytes = SizeText.bytes(maxSize) else {
                throw ValidationError("--max-size takes a size like 500MB, 2GiB or 100k, not '\(maxSize)'")
            }
            rule.maxBytes = bytes
        }
        return rule
    }

    func run() throws {
        let path = database.path
        let console = Console(verbosity: .normal)
        let report: PruneReport
        do {
            report = try Prune.run(path: path, rule: rule(), dryRun: dryRun, vacuum: vacuum, nowNs: Clocks.realtimeNs())
        } catch let refusal as StoreRefusal {
            console.error(refusal.message)
            throw ExitCode(1)
        } catch {
            console.error("pruning \(path): \(error)")
            throw ExitCode(1)
        }
        console.raw(PruneText.describe(report, dryRun: dryRun))
    }
}
