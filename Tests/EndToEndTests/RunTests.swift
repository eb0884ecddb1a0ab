import Foundation
import Testing

extension EndToEnd {
    @Suite struct RunTests {
        /// `argus-trace run` with its database in the scratch directory.
        func run(_ command: [String], options: [String] = [], scratch: Scratch) throws -> Child {
            try Child(
                Binaries.tracer, ["run", "--db", scratch.database] + options + ["--"] + command, scratch: scratch,
                label: "run")
        }

        func statuses(_ rows: Rows, where condition: String = "1") throws -> [String] {
            try rows.texts(
                "SELECT coalesce(exe, comm) || ' ' || coalesce(exit_code, 'none') FROM processes WHERE \(condition) ORDER BY started_ns, id"
            )
        }

        @Test func aPipelineRecordsEveryStatusAndExitsWithTheCommands() throws {
            let scratch = Scratch()
            let tracer = try run(
                ["/bin/sh", "-c", "/bin/false | /bin/true; /bin/ls /nonexistent 2>/dev/null; exit 4"], scratch: scratch)
            #expect(tracer.exitStatus() == 4, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            let exits = try rows.texts("SELECT exit_code FROM processes WHERE execs > 0 ORDER BY exit_code")
            #expect(exits == ["0", "1", "2", "4"], "\(exits)")
            // Even programs that end within microseconds are named: the exec probe reads them in the exec.
            let named = try rows.texts(
                "SELECT comm || ' ' || argv || ' ' || exit_code FROM processes WHERE execs > 0 ORDER BY exit_code")
            #expect(
                named == [
                    #"true ["/bin/true"] 0"#, #"false ["/bin/false"] 1"#, #"ls ["/bin/ls","/nonexistent"] 2"#,
                    #"sh ["/bin/sh","-c","/bin/false | /bin/true; /bin/ls /nonexistent 2>/dev/null; exit 4"] 4"#,
                ], "\(named)")
            #expect(try rows.int("SELECT exit_code FROM processes WHERE parent_pid = \(tracer.pid)") == 4)
            #expect(try rows.int("SELECT count(*) FROM processes WHERE exit_code IS NULL") == 0)
            #expect(
                try rows.int("SELECT count(*) FROM process_events WHERE event_type = 'terminated'")
                    == rows.int("SELECT count(*) FROM processes"))
            #expect(tracer.stdout.isEmpty, "argus-trace wrote to the command's stdout: \(tracer.stdout)")
            #expect(tracer.stderr.contains("run summary"))
        }

        @Test func theCommandsOutputPassesThroughUntouched() throws {
            let scratch = Scratch()
            let tracer = try run(["/bin/sh", "-c", "echo out; echo err >&2; exit 0"], scratch: scratch)
            #expect(tracer.exitStatus() == 0)
            #expect(tracer.stdout == "out\n")
            #expect(tracer.stderr.hasPrefix("err\n"))
        }

        @Test func aDaemonizingGrandchildIsReapedWithItsExactStatus() throws {
            let scratch = Scratch()
            // The subshell outlives its parent: orphaned, it is re-parented to argus-trace.
            let tracer = try run(["/bin/sh", "-c", "(sleep 0.3; exit 3) & exit 0"], scratch: scratch)
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(*) FROM processes WHERE exit_code = 3 AND status_source = 'wait'") == 1)
            #expect(try rows.int("SELECT count(*) FROM processes WHERE ended_ns IS NULL") == 0)
        }

        @Test func aChildKilledBySIGKILLIsRecordedAsSuch() throws {
            let scratch = Scratch()
            let tracer = try run(["/bin/sh", "-c", "sleep 30 & kill -9 $!; wait $!; exit 0"], scratch: scratch)
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            // Killed right after its exec, the sleep may be gone before its /proc can be read: find it by its end.
            #expect(try rows.int("SELECT count(*) FROM processes WHERE signal = 9 AND exit_code = 137") == 1)
            #expect(tracer.stderr.contains("killed by SIGKILL"))
        }

        @Test func aCommandKilledByASignalGives128PlusIt() throws {
            let scratch = Scratch()
            let tracer = try run([Binaries.testee, "kill", "6"], scratch: scratch)
            #expect(tracer.exitStatus() == 134)
        }

        @Test func aStormOfFiveThousandChildrenIsCountedExactly() throws {
            let scratch = Scratch()
            let storm = "\(Binaries.testee) storm 2500 exec & \(Binaries.testee) storm 2500 & wait"
            let tracer = try run(["/bin/sh", "-c", storm], options: ["--quiet"], scratch: scratch)
            #expect(tracer.exitStatus(within: 60) == 0, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(*) FROM processes") == 5_003)
            for code in 1...3 {
                #expect(try rows.int("SELECT count(*) FROM processes WHERE exit_code = \(code)") == 1_250)
            }
            #expect(try rows.int("SELECT count(*) FROM processes WHERE exit_code = 0") == 1_253)
            #expect(try rows.int("SELECT sum(execs) FROM processes") == 2_503)
            #expect(try rows.int("SELECT count(*) FROM process_events WHERE event_type = 'exec'") == 2_503)
            #expect(try rows.int("SELECT count(*) FROM process_events WHERE event_type = 'terminated'") == 5_003)
            #expect(try rows.int("SELECT event_overflows FROM sessions") == 0)
        }

        @Test func aBurstOfChildrenIsReadOnATimerNotOneWakeUpPerEvent() throws {
            let scratch = Scratch()
            // 1,000 children forked back to back, then waited for: 2,000 fork and exit messages in a few ms.
            let tracer = try run([Binaries.testee, "storm", "1000"], options: ["--verbose"], scratch: scratch)
            #expect(tracer.exitStatus(within: 60) == 0, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(*) FROM processes") == 1_001)
            for code in 0...3 {
                let expected: Int64 = code == 0 ? 251 : 250
                #expect(try rows.int("SELECT count(*) FROM processes WHERE exit_code = \(code)") == expected)
            }
            let line = tracer.stderr.split(separator: "\n").first { $0.contains("Kernel events: ") }
            let numbers = (line ?? "").split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            // "Kernel events: N from the proc connector, W wake-up(s) by them, R timed read(s) in B burst(s)"
            #expect(numbers.count == 4, "no events line in: \(tracer.stderr.suffix(2_000))")
            if numbers.count == 4 {
                let (events, wakeUps, bursts) = (numbers[0], numbers[1], numbers[3])
                #expect(events >= 2_000)
                #expect(bursts >= 1, "\(line ?? "")")
                // One wake-up per event (or per fork and exit pair) would be 1,000 or more. The
                // timed reads are not counted: a slow machine stretches the storm, and with it them.
                #expect(wakeUps * 4 < events, "\(line ?? "")")
            }
        }

        @Test func whenTheKernelDropsMessagesItSaysSoAndInventsNothing() throws {
            let scratch = Scratch()
            let storm = "\(Binaries.testee) storm 2000 exec & \(Binaries.testee) storm 2000 & wait; exit 6"
            // A receive buffer of a few messages: the kernel must drop some of this storm.
            let tracer = try Child(
                Binaries.tracer, ["run", "--db", scratch.database, "--", "/bin/sh", "-c", storm], scratch: scratch,
                label: "overflow", environment: ["ARGUS_TRACE_NETLINK_BUFFER": "4096"])
            #expect(tracer.exitStatus(within: 60) == 6, "stderr: \(tracer.stderr)")
            #expect(tracer.stderr.contains("the kernel dropped proc connector messages"), "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT event_overflows FROM sessions") ?? 0 > 0)
            // The command's status is exact even so: it comes from waitpid.
            #expect(try rows.texts("SELECT status_source FROM processes WHERE parent_pid = \(tracer.pid)") == ["wait"])
            // What could not be known is recorded as unknown, never guessed.
            #expect(
                try rows.int("SELECT count(*) FROM processes WHERE status_source = 'lost' AND exit_code IS NOT NULL")
                    == 0)
            #expect(try rows.int("SELECT count(*) FROM processes WHERE exit_code NOT IN (0, 1, 2, 3, 6)") == 0)
            #expect(try rows.int("SELECT count(*) FROM processes") ?? 0 <= 4_003)
        }

        @Test func processesOfTheTreeGetKernelCounters() throws {
            let scratch = Scratch()
            let tracer = try run(
                ["/bin/sh", "-c", "\(Binaries.testee) naps 100; exit 0"], options: ["--interval", "0.2"],
                scratch: scratch)
            // The command's stdout passes through: the testee says when it has napped.
            #expect(eventually { tracer.stdout.contains("napped") }, "stderr: \(tracer.stderr)")
            #expect(
                eventually {
                    (try? Rows(scratch.database).int(
                        "SELECT coalesce(sum(bpf_switches_voluntary), 0) FROM performance_metrics")) ?? 0
                        >= 100
                }, "stderr: \(tracer.stderr)")
            tracer.openGate()
            #expect(tracer.exitStatus() == 0)
        }

        @Test func signalsGoToTheCommand() throws {
            let scratch = Scratch()
            let tracer = try run([Binaries.testee, "sleep", "30"], scratch: scratch)
            #expect(
                eventually {
                    (try? String(contentsOfFile: "/proc/\(tracer.pid)/task/\(tracer.pid)/children", encoding: .utf8))?
                        .isEmpty == false
                })
            tracer.signal(SIGTERM)
            #expect(tracer.exitStatus() == 143, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT signal FROM processes WHERE parent_pid = \(tracer.pid)") == 15)
        }

        @Test func whatOutlivesTheGracePeriodIsReportedOrKilled() throws {
            let scratch = Scratch()
            let left = try run(["/bin/sh", "-c", "sleep 30 & exit 0"], options: ["--grace", "0.2"], scratch: scratch)
            #expect(left.exitStatus() == 0)
            #expect(left.stderr.contains("still running (1)"), "stderr: \(left.stderr)")
            let leftRows = try Rows(scratch.database)
            #expect(
                try leftRows.int("SELECT count(*) FROM processes WHERE ended_ns IS NULL AND exe LIKE '%sleep'") == 1)
            if let orphan = try leftRows.int("SELECT pid FROM processes WHERE ended_ns IS NULL") {
                kill(Int32(orphan), SIGKILL)
            }

            let killedScratch = Scratch()
            let killed = try run(
                ["/bin/sh", "-c", "sleep 30 & exit 0"], options: ["--grace", "0", "--kill-orphans"],
                scratch: killedScratch)
            #expect(killed.exitStatus() == 0, "stderr: \(killed.stderr)")
            let killedRows = try Rows(killedScratch.database)
            // SIGTERM may reach the orphan before or after it exec'd sleep.
            #expect(
                try killedRows.int(
                    "SELECT count(*) FROM processes WHERE signal = 15 AND pid != (SELECT target_pid FROM sessions)")
                    == 1)
        }

        @Test func reportAndJUnitDescribeTheRun() throws {
            let scratch = Scratch()
            let report = scratch.path + "/run.json"
            let junit = scratch.path + "/run.xml"
            let tracer = try run(
                ["/bin/sh", "-c", "/bin/true; /bin/false; exit 5"], options: ["--report", report, "--junit", junit],
                scratch: scratch)
            #expect(tracer.exitStatus() == 5)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
            )
            #expect(json["exit_code"] as? Int == 5)
            #expect((json["command"] as? [String])?.first == "/bin/sh")
            let processes = try #require(json["processes"] as? [[String: Any]])
            #expect(processes.count == json["process_count"] as? Int)
            #expect(
                processes.contains {
                    ($0["exe"] as? String)?.hasSuffix("false") == true && $0["exit_code"] as? Int == 1
                })
            let xml = try String(contentsOfFile: junit, encoding: .utf8)
            #expect(xml.contains("<testsuites"))
            #expect(xml.components(separatedBy: "<failure").count - 1 == 2, "\(xml)")  // sh (exit 5) and false
        }

        @Test func itsOwnFailuresHaveTheirOwnStatuses() throws {
            let scratch = Scratch()
            #expect(try run(["/no/such/command"], scratch: scratch).exitStatus() == 127)
            let notExecutable = scratch.path + "/data.txt"
            _ = FileManager.default.createFile(atPath: notExecutable, contents: Data("x".utf8))
            #expect(try run([notExecutable], scratch: scratch).exitStatus() == 126)
            let usage = try Child(
                Binaries.tracer, ["run", "--interval", "0", "--", "true"], scratch: scratch, label: "usage")
            #expect(usage.exitStatus() == 125)
            let empty = try Child(Binaries.tracer, ["run"], scratch: scratch, label: "empty")
            #expect(empty.exitStatus() == 125)
            #expect(empty.stderr.contains("run needs a command"))
            let version = try Child(Binaries.tracer, ["run", "--version"], scratch: scratch, label: "version")
            #expect(version.exitStatus() == 0 && !version.stdout.isEmpty)
        }

        /// 64 is ArgumentParser's status for a usage error; a command's own 64 is still the command's.
        @Test func aCommandExiting64ExitsWith64() throws {
            let scratch = Scratch()
            let tracer = try run(["/bin/sh", "-c", "exit 64"], scratch: scratch)
            #expect(tracer.exitStatus() == 64)
            #expect(!tracer.stderr.contains("invalid arguments"), "\(tracer.stderr)")
        }
    }
}
