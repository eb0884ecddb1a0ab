import Foundation
import Testing

extension EndToEnd {
    /// `run --timeout`: a hung CI job is captured, stopped, and reported with status 124.
    @Suite struct TimeoutTests {
        func run(_ command: [String], options: [String], scratch: Scratch) throws -> Child {
            try Child(
                Binaries.tracer, ["run", "--db", scratch.database, "--no-stalls"] + options + ["--"] + command,
                scratch: scratch, label: "run")
        }

        func json(_ path: String) throws -> [String: Any] {
            try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        }

        @Test func aGrandchildSleepingForeverIsCapturedStoppedAndTheRunExits124() throws {
            let scratch = Scratch()
            let report = scratch.path + "/run.json"
            let junit = scratch.path + "/run.xml"
            // sh → subshell → sleep: the grandchild never ends by itself.
            let tracer = try run(
                ["/bin/sh", "-c", "( sleep 3600; true ) & wait"],
                options: ["--timeout", "2s", "--report", report, "--junit", junit], scratch: scratch)
            #expect(tracer.exitStatus(within: 30) == 124, "stderr: \(tracer.stderr)")
            #expect(tracer.stderr.contains("timed out after 2.0s"))
            #expect(tracer.stderr.contains("still running at the timeout (3)"), "stderr: \(tracer.stderr)")
            #expect(tracer.stderr.contains("waiting in hrtimer_nanosleep"))

            let rows = try Rows(scratch.database)
            // Nothing of the tree is left: every process ended, by the timeout signal.
            #expect(try rows.int("SELECT count(*) FROM processes") == 3)
            #expect(try rows.int("SELECT count(*) FROM processes WHERE ended_ns IS NULL") == 0)
            for pid in try rows.texts("SELECT pid FROM processes") { #expect(!ProcView.isAlive(Int32(pid) ?? 0)) }
            #expect(try rows.texts("SELECT end_reason FROM sessions") == ["timed out after 2.0s"])

            let object = try json(report)
            #expect(object["timed_out"] as? Bool == true)
            let captured = try #require((object["timeout"] as? [String: Any])?["processes"] as? [[String: Any]])
            #expect(captured.count == 3)
            for process in captured {
                let threads = process["threads"] as? [[String: Any]] ?? []
                #expect(!threads.isEmpty)
                #expect(threads.allSatisfy { ($0["kernel_stack"] as? String)?.isEmpty == false }, "\(process)")
            }
            // The capture is a timeout stall: every process, every thread with its process and kernel stack.
            #expect(try rows.texts("SELECT kind || ' ' || end_reason FROM stalls") == ["timeout tree stopped"])
            #expect(try rows.int("SELECT count(*) FROM stall_processes") == 3)
            #expect(
                try rows.int("SELECT count(*) FROM stall_threads WHERE process_id IS NULL OR kernel_stack IS NULL") == 0
            )
            if FileManager.default.fileExists(atPath: "/usr/bin/eu-stack") {
                #expect(
                    try rows.int("SELECT count(*) FROM stall_threads WHERE user_stack LIKE '%nanosleep%'") ?? 0 >= 1)
            }
            let xml = try String(contentsOfFile: junit, encoding: .utf8)
            #expect(xml.contains("type=\"timeout\""))
            #expect(xml.contains("<system-err>argus-trace: timed out after 2.0s"))
        }

        @Test func theTesteesFunctionShowsInTheUserFrames() throws {
            guard FileManager.default.fileExists(atPath: "/usr/bin/eu-stack") else { return }  // said in the capture
            let scratch = Scratch()
            // The testee waits in its `gate` function for a line on stdin that never comes.
            let tracer = try run(
                [Binaries.testee, "gate", "exit", "0"], options: ["--timeout", "1"], scratch: scratch)
            #expect(tracer.exitStatus(within: 30) == 124, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            let stacks = try rows.texts("SELECT user_stack FROM stall_threads")
            // Swift symbols stay mangled in eu-stack: argus_testee.gate() is $s12argus_testee4gateyyF.
            #expect(stacks.contains { $0.contains("12argus_testee4gate") }, "\(stacks)")
            let shown = try Child(
                Binaries.tracer, ["stalls", "1", "--db", scratch.database], scratch: scratch, label: "show")
            #expect(shown.exitStatus() == 0)
            #expect(shown.stdout.contains("4gate"), "\(shown.stdout)")
        }

        @Test func aChildIgnoringTheSignalIsKilledAfterKillAfter() throws {
            let scratch = Scratch()
            let tracer = try run(
                ["/bin/sh", "-c", "trap '' TERM; sleep 3600 & wait"],
                options: ["--timeout", "1", "--kill-after", "1s"],
                scratch: scratch)
            #expect(tracer.exitStatus(within: 30) == 124, "stderr: \(tracer.stderr)")
            #expect(tracer.stderr.contains("sending SIGKILL to"), "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            // sh ignored TERM (its sleep inherited that): both died by SIGKILL.
            #expect(try rows.texts("SELECT signal FROM processes ORDER BY started_ns") == ["9", "9"])
        }

        @Test func aRunThatFinishesInTimeIsAsWithoutATimeout() throws {
            let scratch = Scratch()
            let tracer = try run(
                ["/bin/sh", "-c", "/bin/true; exit 3"], options: ["--timeout", "60", "--heartbeat", "1"],
                scratch: scratch)
            #expect(tracer.exitStatus() == 3)
            #expect(!tracer.stderr.contains("timeout"))
            let rows = try Rows(scratch.database)
            #expect(try rows.texts("SELECT end_reason FROM sessions") == ["command and its processes ended"])
            #expect(try rows.int("SELECT count(*) FROM processes") == 2)
        }

        @Test func aDescendantStoppedForTwoSecondsIsAStallNamingIt() throws {
            let scratch = Scratch()
            // The grandchild stops itself; its parent continues it 2.5 s later.
            let script = "sh -c 'sleep 0.6; kill -STOP $$; exit 0' & sleep 3; kill -CONT $!; wait"
            let tracer = try Child(
                Binaries.tracer,
                ["run", "--db", scratch.database, "--stall-pressure", "0", "--", "/bin/sh", "-c", script],
                scratch: scratch, label: "run")
            #expect(tracer.exitStatus(within: 30) == 0, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            let stalled = try rows.texts("SELECT process_id FROM stalls WHERE kind = 'stopped'")
            #expect(stalled.count == 1, "\(stalled)")
            let root = try rows.int("SELECT pid FROM processes WHERE parent_pid = \(tracer.pid)") ?? 0
            // The stall names the descendant, not the command.
            #expect(stalled.first.flatMap { Int64($0) } != root)
            #expect(
                try rows.int(
                    "SELECT count(*) FROM processes WHERE pid = \(stalled.first ?? "0") AND parent_pid = \(root)") == 1)
            #expect(tracer.stderr.contains("Stall 1 began (stopped)"))
            #expect(eventually { ((try? rows.int("SELECT count(*) FROM stall_snapshots")) ?? 0) >= 1 })
            // `stalls` names it with its pid and argv.
            let list = try Child(
                Binaries.tracer, ["stalls", "--db", scratch.database], scratch: scratch, label: "list")
            #expect(list.exitStatus() == 0)
            #expect(list.stdout.contains("stopped") && list.stdout.contains("kill -STOP"), "\(list.stdout)")
        }

        @Test func aTimeoutDuringTheGracePeriodStillKillsWhatIsLeft() throws {
            let scratch = Scratch()
            // CMD exits at once and leaves an orphan that ignores TERM; the grace (2 s) outlasts the timeout (1 s).
            let tracer = try run(
                ["/bin/sh", "-c", "sh -c 'trap \"\" TERM; exec sleep 3600' & exit 0"],
                options: ["--timeout", "1", "--grace", "2", "--kill-after", "1"], scratch: scratch)
            #expect(tracer.exitStatus(within: 30) == 124, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(
                try rows.texts("SELECT coalesce(signal, 'none') FROM processes ORDER BY started_ns") == ["none", "9"])
            for pid in try rows.texts("SELECT pid FROM processes") { #expect(!ProcView.isAlive(Int32(pid) ?? 0)) }
        }

        @Test func aBadTimeoutIsRefusedWithStatus125() throws {
            let scratch = Scratch()
            for options in [
                ["--timeout", "soon"], ["--timeout", "0"], ["--timeout-signal", "NOPE"], ["--kill-after", "x"],
            ] {
                let tracer = try run(["/bin/true"], options: options, scratch: scratch)
                #expect(tracer.exitStatus() == 125, "\(options)")
                #expect(tracer.stderr.hasPrefix("argus-trace: error: --"), "\(options): \(tracer.stderr)")
            }
        }
    }
}
