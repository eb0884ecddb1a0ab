import ArgusStore
import Foundation
import Testing

extension EndToEnd {
    @Suite struct PruneCommandTests {
        static let day: Int64 = 86_400_000_000_000

        /// A database with one ended session a day for `days` days up to now, each with a few samples.
        static func database(_ path: String, days: Int) throws {
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA journal_mode = WAL")
            try Schema.migrate(database)
            let now = Int64(Date().timeIntervalSince1970 * 1e9)
            for index in 0..<days {
                let started = now - Int64(days - index) * day
                try database.execute(
                    """
                    INSERT INTO sessions (started_at, started_ns, ended_ns, mode, arguments, version)
                    VALUES ('t', \(started), \(started + 60_000_000_000), 'watch', '[]', 'test');
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
                    INSERT INTO performance_metrics (timestamp, app_name, process_name, process_id, cpu_percent,
                        memory_mb, thread_count, hostname, session_id, timestamp_ns)
                    SELECT 't', 'App', 'app', 42, 1, 1, 1, hex(randomblob(300)), (SELECT max(id) FROM sessions), \(started) FROM n;
                    """)
            }
        }

        static func sessions(_ path: String) -> Int64 {
            let database = try? SQLiteDatabase(path: path, readOnly: true)
            return (try? database?.scalar("SELECT count(*) FROM sessions")) ?? -1
        }

        @Test func badDurationsAndSizesGetOneLineAndStatus2() throws {
            let scratch = Scratch()
            for (arguments, message) in [
                (["--older-than", "30x"], "--older-than takes a duration"),
                (["--older-than=-5d"], "--older-than takes a duration"),
                (["--older-than", "0"], "--older-than takes a duration"),
                (["--max-size", "12 parsecs"], "--max-size takes a size"),
                (["--max-size", "5ZB"], "--max-size takes a size"),
                (["--keep-sessions=-1"], "--keep-sessions must be 0 or more"),
                (["--keep-sessions", "many"], "many"),
                ([], "one of --older-than, --keep-sessions or --max-size is required"),
                (["--older-than", "1d", "--bogus"], "--bogus"),
            ] {
                let tracer = try Child(
                    Binaries.tracer, ["prune", "--db", scratch.database] + arguments, scratch: scratch, label: "prune")
                #expect(tracer.exitStatus() == 2, "\(arguments)")
                let lines = tracer.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(arguments): \(tracer.stderr)")
                #expect(lines.first?.hasPrefix("argus-trace: error: ") == true)
                #expect(tracer.stderr.contains(message), "\(arguments): \(tracer.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: scratch.database))
            let missing = try Child(
                Binaries.tracer, ["prune", "--db", scratch.database, "--keep-sessions", "1"], scratch: scratch,
                label: "missing")
            #expect(missing.exitStatus() == 1)
            #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
        }

        @Test func prunesOldSessionsAndSaysWhatItRemovedAndFreed() throws {
            let scratch = Scratch()
            try Self.database(scratch.database, days: 60)
            let before = try Data(contentsOf: URL(fileURLWithPath: scratch.database))
            let dryRun = try Child(
                Binaries.tracer, ["prune", "--db", scratch.database, "--older-than", "30d", "--dry-run"],
                scratch: scratch,
                label: "dry")
            #expect(dryRun.exitStatus() == 0, "\(dryRun.stderr)")
            #expect(dryRun.stdout.contains("Would remove 30 sessions"), "\(dryRun.stdout)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.database)) == before)

            let prune = try Child(
                Binaries.tracer, ["prune", "--db", scratch.database, "--older-than", "30d", "--vacuum"],
                scratch: scratch,
                label: "prune")
            #expect(prune.exitStatus() == 0, "\(prune.stderr)")
            #expect(prune.stdout.contains("Removed 30 sessions"), "\(prune.stdout)")
            #expect(prune.stdout.contains("performance_metrics"), "\(prune.stdout)")
            #expect(prune.stdout.contains("6000 rows"), "\(prune.stdout)")
            #expect(prune.stdout.contains("freed"), "\(prune.stdout)")
            #expect(Self.sessions(scratch.database) == 30)
            let after = try Data(contentsOf: URL(fileURLWithPath: scratch.database))
            #expect(after.count < before.count * 6 / 10, "\(before.count) → \(after.count)")
        }

        @Test func badRetentionOnARecordingCommandGetsOneLine() throws {
            let scratch = Scratch()
            for (arguments, status, message) in [
                (["--pid", "1", "--retention", "30x"], Int32(2), "--retention takes a duration"),
                (["--pid", "1", "--max-db-size", "2QB"], 2, "--max-db-size takes a size"),
                (["run", "--retention", "0", "--", "/bin/true"], 125, "--retention takes a duration"),
            ] {
                let tracer = try Child(
                    Binaries.tracer, arguments + ["--db", scratch.database], scratch: scratch, label: "bad")
                #expect(tracer.exitStatus() == status, "\(arguments)")
                #expect(tracer.stderr.split(separator: "\n").count == 1, "\(arguments): \(tracer.stderr)")
                #expect(tracer.stderr.contains(message), "\(arguments): \(tracer.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: scratch.database))
        }

        @Test func aRecorderWithRetentionRemovesOldSessionsAndKeepsItsOwn() throws {
            let scratch = Scratch()
            try Self.database(scratch.database, days: 60)
            let run = try Child(
                Binaries.tracer,
                ["run", "--db", scratch.database, "--retention", "30d", "--quiet", "--", "/bin/sleep", "1"],
                scratch: scratch, label: "run")
            #expect(run.exitStatus() == 0, "\(run.stderr)")
            #expect(Self.sessions(scratch.database) == 31)
            let database = try SQLiteDatabase(path: scratch.database, readOnly: true)
            #expect(
                try database.scalar("SELECT count(*) FROM sessions WHERE mode = 'run' AND ended_ns IS NOT NULL") == 1)
            #expect(
                try database.scalar(
                    "SELECT count(*) FROM performance_metrics WHERE session_id NOT IN (SELECT id FROM sessions)") == 0)
        }

        @Test func helpShowsExamplesAndExitStatuses() throws {
            let scratch = Scratch()
            let help = try Child(Binaries.tracer, ["prune", "--help"], scratch: scratch, label: "help")
            #expect(help.exitStatus() == 0)
            let root = try Child(Binaries.tracer, ["--help"], scratch: scratch, label: "root-help")
            #expect(root.exitStatus() == 0)
            for text in ["--retention", "--max-db-size", "argus-trace prune"] {
                #expect(root.stdout.contains(text), "help lacks \(text)")
            }
            for text in [
                "--older-than", "--keep-sessions", "--max-size", "--dry-run", "--vacuum", "--include-unfinished",
                "Examples:", "Exit status:",
            ] {
                #expect(help.stdout.contains(text), "prune help lacks \(text)")
            }
        }
    }
}
