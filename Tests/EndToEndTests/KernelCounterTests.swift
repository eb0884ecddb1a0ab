import Foundation
import Testing

extension EndToEnd {
    @Suite struct KernelCounterTests {
        func sum(_ column: String, _ scratch: Scratch) throws -> Int64 {
            try Rows(scratch.database).int("SELECT coalesce(sum(\(column)), 0) FROM performance_metrics") ?? 0
        }

        @Test func sleepingAndWakingNTimesShowsNVoluntarySwitches() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "naps", "50"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--interval", "0.2"], scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            testee.openGate()
            #expect(eventually { testee.stdout.contains("napped") })
            #expect(eventually { (try? sum("bpf_switches_voluntary", scratch)) ?? 0 >= 50 }, "stderr: \(tracer.stderr)")
            testee.openGate()
            #expect(tracer.exitStatus() == 0)
            #expect(try sum("bpf_oncpu_ns", scratch) > 0)
        }

        @Test func sharingOneCPUWithAHogShowsRunQueueDelay() throws {
            let scratch = Scratch()
            let hog = try Child("/usr/bin/taskset", ["-c", "0", Binaries.testee, "spin", "3"], scratch: scratch, label: "hog")
            let testee = try Child(
                "/usr/bin/taskset", ["-c", "0", Binaries.testee, "gate", "spin", "1.5"], scratch: scratch, label: "testee")
            // taskset execs the testee: the pid stays.
            #expect(eventually { (try? String(contentsOfFile: "/proc/\(testee.pid)/comm", encoding: .utf8)) == "argus-testee\n" })
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--interval", "0.2"], scratch: scratch)
            #expect(waitAttached(tracer))
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            #expect(try sum("bpf_runq_delay_ns", scratch) > 0)
            #expect(try sum("bpf_switches_involuntary", scratch) > 0)
            let histogram = try Rows(scratch.database).texts("SELECT bpf_runq_histogram FROM performance_metrics")
            #expect(histogram.contains { $0 != "[" + Array(repeating: "0", count: 24).joined(separator: ",") + "]" })
            hog.signal(SIGKILL)
        }

        @Test func touchingMFreshPagesShowsMFaults() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "touch", "2000"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--interval", "0.2"], scratch: scratch)
            #expect(waitAttached(tracer))
            testee.openGate()
            #expect(eventually { testee.stdout.contains("touched") })
            #expect(eventually { (try? sum("bpf_faults_user", scratch)) ?? 0 >= 2000 }, "stderr: \(tracer.stderr)")
            testee.openGate()
            #expect(tracer.exitStatus() == 0)
        }

        @Test func noBPFLeavesTheColumnsEmpty() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--no-bpf"], scratch: scratch)
            #expect(waitAttached(tracer))
            testee.openGate()
            #expect(tracer.exitStatus() == 0)
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(*) FROM performance_metrics WHERE bpf_oncpu_ns IS NOT NULL") == 0)
            #expect(try rows.int("SELECT count(*) FROM process_events WHERE bpf_exit_code IS NOT NULL") == 0)
        }

        /// The programs argus-trace loaded that are still in the kernel (bpftool prog show).
        func loadedPrograms() -> Int {
            let scratch = Scratch()
            guard let listing = try? Child("/usr/sbin/bpftool", ["prog", "show"], scratch: scratch, label: "bpftool"),
                listing.exitStatus() == 0
            else { return -1 }
            return listing.stdout.split(separator: "\n").filter { $0.contains("name on_switch") }.count
        }

        @Test func nothingIsLeftInTheKernelAfterSIGKILL() throws {
            let before = loadedPrograms()
            #expect(before >= 0, "bpftool prog show failed")
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)"], scratch: scratch)
            #expect(waitAttached(tracer))
            #expect(loadedPrograms() == before + 1)
            tracer.signal(SIGKILL)
            #expect(tracer.exitStatus() == 137)
            #expect(eventually { loadedPrograms() == before }, "programs left after SIGKILL")
            testee.openGate()
        }
    }
}
