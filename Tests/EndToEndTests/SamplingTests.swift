import Foundation
import Testing

extension EndToEnd {
    @Suite struct SamplingTests {
        @Test func samplesEveryIntervalStartingAtAttach() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            // The Gaze criterion is 6 samples in 30 s at 5 s; the same at a 0.5 s interval.
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--interval", "0.5"], scratch: scratch)
            #expect(waitAttached(tracer))
            #expect(eventually(within: 15) { tracer.lines(containing: "Metrics: CPU=") >= 7 })
            testee.openGate()
            #expect(tracer.exitStatus() == 0)

            let printed = tracer.lines(containing: "Metrics: CPU=")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(*) FROM performance_metrics") == Int64(printed))
            #expect(tracer.stdout.contains("Metrics collected: \(printed)"))
            let times = try rows.doubles("SELECT timestamp_ns FROM performance_metrics ORDER BY id")
            let gaps = zip(times.dropFirst(), times).map { ($0 - $1) / 1e9 }
            #expect(gaps.allSatisfy { $0 > 0.3 && $0 < 0.9 }, "gaps between samples: \(gaps)")
            let complete = try rows.int(
                """
                SELECT count(*) FROM performance_metrics WHERE memory_mb > 0 AND thread_count = 1
                AND vms_mb > 0 AND open_fds >= 3 AND minor_faults > 0 AND state IS NOT NULL
                AND read_bytes IS NOT NULL AND ctx_switches_voluntary IS NOT NULL AND hostname IS NOT NULL
                """)
            #expect(complete == Int64(printed))
        }

        /// Several threads: each thread's status is read once per sample, and the switch sums
        /// and the counters' deltas come from that one reading, so consecutive rows agree exactly.
        @Test func aMultiThreadedProcessesSwitchSumsAndDeltasComeFromOneReading() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["napping-threads", "3"], scratch: scratch, label: "testee")
            #expect(eventually { testee.stdout.contains("napping") })
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--interval", "0.5"], scratch: scratch)
            #expect(waitAttached(tracer))
            #expect(eventually(within: 15) { tracer.lines(containing: "Metrics: CPU=") >= 5 })
            testee.openGate()
            #expect(tracer.exitStatus() == 0)

            let rows = try Rows(scratch.database)
            let sums = try rows.doubles(
                """
                SELECT ctx_switches_voluntary FROM performance_metrics
                WHERE thread_count = 4 AND bpf_switches_voluntary IS NOT NULL ORDER BY id
                """)
            let deltas = try rows.doubles(
                """
                SELECT bpf_switches_voluntary FROM performance_metrics
                WHERE thread_count = 4 AND bpf_switches_voluntary IS NOT NULL ORDER BY id
                """)
            #expect(sums.count >= 4, "rows: \(sums)")
            let steps = zip(sums.dropFirst(), sums).map { $0 - $1 }
            // Three threads napping 1 ms at a time switch hundreds of times in half a second.
            #expect(steps.allSatisfy { $0 > 100 }, "steps: \(steps)")
            #expect(Array(deltas.dropFirst()) == steps, "deltas \(deltas), steps of the sums \(steps)")
        }

        @Test func cpuPercentFollowsABusyChildsLoad() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "spin", "3.5"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--interval", "0.5"], scratch: scratch)
            #expect(waitAttached(tracer))
            testee.openGate()
            #expect(tracer.exitStatus() == 0)

            // Samples taken while it spun: all but the first (at attach, while it waited).
            let busy = Array(
                try Rows(scratch.database).doubles("SELECT cpu_percent FROM performance_metrics ORDER BY id")
                    .dropFirst())
            #expect(busy.count >= 5, "samples: \(busy)")
            let mean = busy.reduce(0, +) / Double(max(busy.count, 1))
            #expect(abs(mean - 100) <= 7, "a child spinning on one core averaged \(mean) %: \(busy)")
        }

        @Test func aClosedOutputPipeDoesNotStopTheRecording() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            // `head -1` closes the pipe after the first line: later lines get EPIPE, not SIGPIPE.
            let pipeline = try Child(
                "/bin/sh",
                [
                    "-c",
                    "\(Binaries.tracer) --pid \(testee.pid) --interval 0.1 --db \(scratch.database) | head -1; "
                        + "echo done",
                ], scratch: scratch, label: "pipe")
            // Recording goes on after head has gone (a line every 0.1 s meets a closed pipe).
            #expect(
                eventually {
                    ((try? Rows(scratch.database).int("SELECT count(*) FROM performance_metrics")) ?? 0) >= 10
                })
            testee.openGate()
            #expect(pipeline.exitStatus() == 0)
            #expect(pipeline.stdout.hasSuffix("done\n"))
            #expect(
                eventually {
                    ((try? Rows(scratch.database).texts("SELECT end_reason FROM sessions")) ?? []) == ["target exited"]
                })
        }

        @Test func sigtermSavesEveryRowInFlight() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--interval", "0.1"], scratch: scratch)
            #expect(waitAttached(tracer))
            #expect(eventually { tracer.lines(containing: "Metrics: CPU=") >= 12 })
            tracer.signal(SIGTERM)
            #expect(tracer.exitStatus() == 143, "stderr: \(tracer.stderr)")

            let printed = tracer.lines(containing: "Metrics: CPU=")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(*) FROM performance_metrics") == Int64(printed))
            #expect(
                try rows.texts("SELECT detail FROM process_events WHERE event_type = 'monitoring_stopped'") == [
                    "stopped by SIGTERM"
                ])
            #expect(try rows.int("SELECT count(*) FROM process_events WHERE event_type = 'terminated'") == 0)
            #expect(try rows.texts("SELECT end_reason FROM sessions") == ["stopped by SIGTERM"])
            testee.openGate()
        }
    }
}
