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

        /// Runs the testee on CPU 0 beside a hog, watched with `extra` options.
        func shareOneCPUWithAHog(_ extra: [String], _ scratch: Scratch) throws -> Child {
            let hog = try Child(
                "/usr/bin/taskset", ["-c", "0", Binaries.testee, "spin", "3"], scratch: scratch, label: "hog")
            let testee = try Child(
                "/usr/bin/taskset", ["-c", "0", Binaries.testee, "gate", "spin", "1.5"], scratch: scratch,
                label: "testee")
            // taskset execs the testee: the pid stays.
            #expect(
                eventually {
                    (try? String(contentsOfFile: "/proc/\(testee.pid)/comm", encoding: .utf8)) == "argus-testee\n"
                })
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--interval", "0.2"] + extra, scratch: scratch)
            #expect(waitAttached(tracer))
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            hog.signal(SIGKILL)
            return tracer
        }

        @Test func sharingOneCPUWithAHogShowsRunQueueDelay() throws {
            let scratch = Scratch()
            _ = try shareOneCPUWithAHog([], scratch)
            #expect(try sum("bpf_runq_delay_ns", scratch) > 0)
            #expect(try sum("bpf_switches_involuntary", scratch) > 0)
            // The histogram and the longest wait need the per-switch probe (--runq-histogram).
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(*) FROM performance_metrics WHERE bpf_runq_histogram IS NOT NULL") == 0)
            #expect(
                try rows.int("SELECT count(*) FROM performance_metrics WHERE bpf_runq_delay_max_ns IS NOT NULL") == 0)
        }

        @Test func runqHistogramShowsTheWaitsOfACPUSharingChild() throws {
            let scratch = Scratch()
            _ = try shareOneCPUWithAHog(["--runq-histogram"], scratch)
            #expect(try sum("bpf_runq_delay_ns", scratch) > 0)
            #expect(try sum("bpf_runq_delay_max_ns", scratch) > 0)
            let histogram = try Rows(scratch.database).texts("SELECT bpf_runq_histogram FROM performance_metrics")
            #expect(histogram.contains { $0 != "[" + Array(repeating: "0", count: 24).joined(separator: ",") + "]" })
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

        /// The BPF programs a process holds (prog_id in /proc/PID/fdinfo of its program and link
        /// descriptors): other tracers on the machine do not count.
        func programIDs(heldBy pid: Int32) -> Set<Int> {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fdinfo")) ?? []
            return Set(
                fds.compactMap { fd -> Int? in
                    guard let text = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8) else {
                        return nil
                    }
                    let line = text.split(separator: "\n").first { $0.hasPrefix("prog_id:") }
                    return line.flatMap { Int($0.dropFirst("prog_id:".count).trimmingCharacters(in: .whitespaces)) }
                })
        }

        /// The name of a loaded program (bpftool prog show id N), or nil once it is gone.
        func programName(_ id: Int) -> String? {
            let scratch = Scratch()
            guard
                let shown = try? Child(
                    "/usr/sbin/bpftool", ["prog", "show", "id", "\(id)"], scratch: scratch, label: "bpftool"),
                shown.exitStatus() == 0
            else { return nil }
            let words = shown.stdout.split(separator: " ")
            return words.firstIndex(of: "name").map { String(words[$0 + 1]) }
        }

        func programNames(heldBy pid: Int32) -> Set<String> { Set(programIDs(heldBy: pid).compactMap(programName)) }

        @Test func theDefaultAttachesNoPerSwitchOrPerFaultProgram() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)"], scratch: scratch)
            #expect(waitAttached(tracer))
            #expect(programNames(heldBy: tracer.pid) == ["on_exit"])
            let withHistogram = try Child(
                Binaries.tracer,
                ["--pid", "\(testee.pid)", "--runq-histogram", "--db", scratch.path + "/histogram.db"],
                scratch: scratch, label: "tracer-histogram")
            #expect(waitAttached(withHistogram))
            #expect(programNames(heldBy: withHistogram.pid) == ["on_exit", "on_switch"])
            testee.openGate()
            #expect(tracer.exitStatus() == 0)
            #expect(withHistogram.exitStatus() == 0)
        }

        @Test func nothingIsLeftInTheKernelAfterSIGKILL() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)"], scratch: scratch)
            #expect(waitAttached(tracer))
            let held = programIDs(heldBy: tracer.pid)
            #expect(!held.isEmpty)
            tracer.signal(SIGKILL)
            #expect(tracer.exitStatus() == 137)
            #expect(eventually { held.allSatisfy { programName($0) == nil } }, "programs left after SIGKILL")
            testee.openGate()
        }
    }
}
