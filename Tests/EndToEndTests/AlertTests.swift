import Foundation
import Testing

extension EndToEnd {
    @Suite struct AlertTests {
        func run(_ command: [String], options: [String], scratch: Scratch) throws -> Child {
            try Child(
                Binaries.tracer, ["run", "--db", scratch.database, "--no-stalls"] + options + ["--"] + command,
                scratch: scratch, label: "run")
        }

        @Test func aBurnerAboveTheThresholdFiresOnceAndClearsWhenItDropsBelow() throws {
            let scratch = Scratch()
            let script = "\(Binaries.testee) spin 2; exec \(Binaries.testee) gate exit 0"
            let tracer = try run(
                ["/bin/sh", "-c", script], options: ["--interval", "0.25", "--alert", "cpu > 15 for 0.5s"],
                scratch: scratch)
            #expect(eventually { tracer.stderr.contains("ALERT cpu > 15 for 0.5s: cpu ") }, "\(tracer.stderr)")
            #expect(eventually { tracer.stderr.contains("ALERT cleared cpu > 15 for 0.5s: recovered") })
            tracer.openGate()
            #expect(tracer.exitStatus() == 0, "\(tracer.stderr)")
            let rows = try Rows(scratch.database)
            let alerts = try rows.texts(
                "SELECT rule || '|' || (value > 15) || '|' || clear_reason || '|' || (cleared_at_ns > fired_at_ns) "
                    + "|| '|' || (process_id IS NULL) FROM alerts")
            #expect(alerts == ["cpu > 15 for 0.5s|1|recovered|1|1"])
        }

        @Test func aPerProcessRuleInATreeFiresForTheMemberAndClearsWhenItEnds() throws {
            let scratch = Scratch()
            let shell = try Child(
                "/bin/sh", ["-c", "read a; \(Binaries.testee) spin 1.5; read b"], scratch: scratch, label: "shell")
            let tracer = try startTracer(
                [
                    "--pid", "\(shell.pid)", "--follow-children", "--interval", "0.2", "--alert", "proc.cpu > 5",
                    "--no-stalls",
                ], scratch: scratch)
            #expect(waitAttached(tracer), "\(tracer.stderr)")
            shell.openGate()
            #expect(
                eventually { tracer.stdout.contains("ALERT cleared proc.cpu > 5: process ended") }, "\(tracer.stdout)")
            shell.openGate()
            #expect(tracer.exitStatus() == 0, "\(tracer.stderr)")
            let rows = try Rows(scratch.database)
            let burner = try #require(try rows.int("SELECT pid FROM processes WHERE comm = 'argus-testee'"))
            #expect(
                try rows.texts("SELECT process_id || '|' || process_name || '|' || clear_reason FROM alerts")
                    == ["\(burner)|argus-testee|process ended"])
        }

        @Test func aStallFiresAndClearsWithTheStall() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "vfork-hold", "1.5"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                [
                    "--pid", "\(testee.pid)", "--interval", "1", "--stall-pressure", "0", "--stall-d-state", "0.3",
                    "--alert", "stall d_state", "--alert", "stall stopped",
                ], scratch: scratch)
            #expect(waitAttached(tracer), "\(tracer.stderr)")
            testee.openGate()
            #expect(eventually { tracer.stdout.contains("ALERT stall d_state: d_state: ") }, "\(tracer.stdout)")
            #expect(tracer.exitStatus(within: 15) == 0, "\(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(
                try rows.texts("SELECT rule || '|' || process_id || '|' || (cleared_at_ns > fired_at_ns) FROM alerts")
                    == ["stall d_state|\(testee.pid)|1"])
            #expect(try rows.texts("SELECT clear_reason FROM alerts").allSatisfy { $0.hasPrefix("stall ended") })
        }

        @Test func aLogLineMatchingTheRuleFires() throws {
            let scratch = Scratch()
            let path = scratch.path + "/app.log"
            let log = AppLog(path)
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                ["--pid", "\(testee.pid)", "--logfile", path, "--alert", "log ~ ERROR [0-9]+", "--no-stalls"],
                scratch: scratch)
            #expect(waitAttached(tracer), "\(tracer.stderr)")
            log.write("all fine\nERROR x\n")
            #expect(eventually { tracer.stdout.contains("Log: ERROR x") })
            log.write("ERROR 42 disk full\n")
            #expect(eventually { tracer.stdout.contains("ALERT log ~ ERROR [0-9]+: ERROR 42 disk full") })
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "\(tracer.stderr)")
            #expect(tracer.lines(containing: "ALERT ") == 1)
            let rows = try Rows(scratch.database)
            #expect(
                try rows.texts("SELECT detail || '|' || process_id || '|' || (cleared_at_ns = fired_at_ns) FROM alerts")
                    == ["ERROR 42 disk full|\(testee.pid)|1"])
        }

        @Test func aChildExiting3FiresExitAndTheHookGetsTheAlertInItsEnvironment() throws {
            let scratch = Scratch()
            let hook = scratch.path + "/hook"
            let envFile = scratch.path + "/hook.env"
            try "#!/bin/sh\nenv | grep '^ARGUS_ALERT_' | sort > \(envFile).tmp\nmv \(envFile).tmp \(envFile)\n"
                .write(toFile: hook, atomically: true, encoding: .utf8)
            chmod(hook, 0o755)
            let tracer = try run(
                ["/bin/sh", "-c", "\(Binaries.testee) exit 3; \(Binaries.testee) exit 0"],
                options: ["--alert", "exit != 0", "--on-alert", hook], scratch: scratch)
            #expect(tracer.exitStatus() == 0, "\(tracer.stderr)")
            #expect(tracer.stderr.contains("ALERT exit != 0: process "), "\(tracer.stderr)")
            let rows = try Rows(scratch.database)
            let child = try #require(
                try rows.int("SELECT pid FROM processes WHERE exit_code = 3 AND exe LIKE '%argus-testee'"))
            #expect(
                try rows.texts("SELECT rule || '|' || value || '|' || process_id || '|' || process_name FROM alerts")
                    == ["exit != 0|3.0|\(child)|argus-testee"])
            // The hook ran before argus-trace ended (it waits for running hooks).
            let environment = try String(contentsOfFile: envFile, encoding: .utf8)
            let lines = environment.split(separator: "\n").map(String.init)
            #expect(lines.contains("ARGUS_ALERT_RULE=exit != 0"), "\(environment)")
            #expect(lines.contains("ARGUS_ALERT_VALUE=3"))
            #expect(lines.contains("ARGUS_ALERT_PID=\(child)"))
            #expect(lines.contains("ARGUS_ALERT_PROCESS=argus-testee"))
            #expect(lines.contains("ARGUS_ALERT_STATE=firing"))
            #expect(lines.contains("ARGUS_ALERT_ID=1"))
            let time = try #require(lines.first { $0.hasPrefix("ARGUS_ALERT_TIME=") })
            #expect(time.hasSuffix("Z") && time.contains("T"), "\(time)")
            // The hook is argus-trace's child, not a member of the command's tree.
            #expect(try rows.int("SELECT count(*) FROM processes WHERE exe LIKE '%/hook' OR comm = 'hook'") == 0)
        }

        @Test func theHookRunsOneAtATimePerRuleAndIsKilledAtItsTimeLimit() throws {
            let scratch = Scratch()
            let hook = scratch.path + "/hook"
            let runs = scratch.path + "/runs"
            try "#!/bin/sh\necho \"$ARGUS_ALERT_ID\" >> \(runs)\nexec sleep 60\n"
                .write(toFile: hook, atomically: true, encoding: .utf8)
            chmod(hook, 0o755)
            let path = scratch.path + "/app.log"
            let log = AppLog(path)
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                [
                    "--pid", "\(testee.pid)", "--logfile", path, "--alert", "log ~ boom", "--on-alert", hook,
                    "--no-stalls", "--verbose",
                ], scratch: scratch)
            #expect(waitAttached(tracer), "\(tracer.stderr)")
            log.write("boom 1\n")
            #expect(eventually { (try? String(contentsOfFile: runs, encoding: .utf8)) == "1\n" })
            log.write("boom 2\nboom 3\n")
            #expect(eventually { tracer.stdout.contains("ALERT log ~ boom: boom 3") })
            testee.openGate()
            // argus-trace waits for the hook at its end, and kills it at 10 s.
            #expect(tracer.exitStatus(within: 20) == 0, "\(tracer.stderr)")
            #expect(tracer.stderr.contains("--on-alert \(hook) was killed after 10.0s"), "\(tracer.stderr)")
            #expect(try String(contentsOfFile: runs, encoding: .utf8) == "1\n")
            #expect(tracer.lines(containing: "its program still runs") == 2)
            #expect(try Rows(scratch.database).int("SELECT count(*) FROM alerts") == 3)
        }

        @Test(arguments: [
            (["--alert", "cpu > x"], "position 7: expected a CPU percentage"),
            (["--alert", "exit != 0", "--alert", "stall d-state"], "position 7: unknown stall kind"),
            (["--alert", "log ~ (oops"], "position 7: not a regular expression"),
            (["--alert-cpu=-5"], "--alert-cpu must be a percentage"),
            (["--alert-memory", "nan"], "--alert-memory must be a number of MB"),
            (["--on-alert", "/bin/true"], "--on-alert needs an alert rule"),
            (["--alert", "exit != 0", "--on-alert", "/nonexistent/hook"], "is not an executable file"),
        ])
        func badRulesAreRejectedAtStartInOneLine(options: [String], message: String) throws {
            let scratch = Scratch()
            let watch = try Child(
                Binaries.tracer, ["--pid", "1", "--db", scratch.database] + options, scratch: scratch, label: "watch")
            #expect(watch.exitStatus() == 2)
            #expect(watch.stderr.contains(message), "\(watch.stderr)")
            #expect(watch.stderr.split(separator: "\n").count == 1, "\(watch.stderr)")
            let run = try run(["/bin/true"], options: options, scratch: scratch)
            #expect(run.exitStatus() == 125)
            #expect(run.stderr.contains(message), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.database))
        }
    }
}
