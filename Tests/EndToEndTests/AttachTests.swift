import Foundation
import Testing

extension EndToEnd {
    @Suite struct AttachTests {
        /// Boot-time clock ticks of a process's start (/proc/PID/stat field 22).
        func startTicks(_ pid: Int32) -> UInt64? {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = text.lastIndex(of: ")")
            else { return nil }
            let fields = text[text.index(after: close)...].split(separator: " ")
            return fields.count > 19 ? UInt64(fields[19]) : nil
        }

        func bootTicks() -> UInt64 {
            var now = timespec()
            clock_gettime(CLOCK_BOOTTIME, &now)
            return UInt64(now.tv_sec) * 100 + UInt64(now.tv_nsec) / 10_000_000
        }

        @Test func processPicksTheNewestOfThreeSameNamedProcesses() throws {
            let scratch = Scratch()
            let (path, name) = scratch.testeeNamed("triplet")
            var testees: [Child] = []
            for _ in 0..<3 {
                // Start times count in clock ticks: let one pass so the three differ.
                if let last = testees.last, let started = startTicks(last.pid) {
                    #expect(eventually { bootTicks() > started + 1 })
                }
                testees.append(try Child(path, ["gate", "exit", "4"], scratch: scratch, label: "testee"))
                #expect(eventually { startTicks(testees.last!.pid) != nil })
            }
            let newest = testees[2]
            let tracer = try startTracer(["--process", name], scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            #expect(tracer.stdout.contains("3 processes match '\(name)'; watching the newest, PID \(newest.pid)"))

            newest.openGate()
            #expect(tracer.exitStatus() == 0)
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT target_pid FROM sessions") == Int64(newest.pid))
            #expect(try rows.int("SELECT exit_code FROM process_events WHERE event_type = 'terminated'") == 4)
            #expect(try rows.texts("SELECT DISTINCT process_name FROM performance_metrics") == [name])
            testees[0].openGate()
            testees[1].openGate()
        }

        @Test func waitAttachesToAProcessStartedLater() throws {
            let scratch = Scratch()
            let (path, name) = scratch.testeeNamed("latecomer")
            let tracer = try startTracer(["--process", name, "--wait", "--app-name", "Late"], scratch: scratch)
            #expect(eventually { tracer.stdout.contains("Waiting for a process named '\(name)'") }, "\(tracer.stderr)")
            let testee = try Child(path, ["gate", "exit", "3"], scratch: scratch, label: "testee")
            #expect(waitAttached(tracer), "stdout: \(tracer.stdout) stderr: \(tracer.stderr)")
            #expect(tracer.stdout.contains("Process '\(name)' started: PID \(testee.pid)"))
            testee.openGate()
            #expect(tracer.exitStatus() == 0)

            let rows = try Rows(scratch.database)
            #expect(
                try rows.texts("SELECT event_type FROM process_events ORDER BY timestamp_ns, id")
                    == ["started", "monitoring_started", "terminated", "monitoring_stopped"])
            #expect(try rows.texts("SELECT DISTINCT app_name FROM process_events") == ["Late"])
            #expect(try rows.int("SELECT exit_code FROM process_events WHERE event_type = 'terminated'") == 3)
        }

        @Test func attachesToAProcessWhoseLeaderAlreadyExited() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["leader-exit", "6"], scratch: scratch, label: "testee")
            #expect(
                eventually {
                    (try? String(contentsOfFile: "/proc/\(testee.pid)/stat", encoding: .utf8))?.contains(") Z ") == true
                })
            let tracer = try startTracer(["--pid", "\(testee.pid)"], scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            testee.openGate()
            #expect(tracer.exitStatus() == 0)
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT exit_code FROM process_events WHERE event_type = 'terminated'") == 6)
            #expect(try rows.doubles("SELECT memory_mb FROM performance_metrics").allSatisfy { $0 > 0 })
        }
    }
}
