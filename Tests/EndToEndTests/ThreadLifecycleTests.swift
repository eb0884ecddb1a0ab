import Foundation
import Testing

extension EndToEnd {
    @Suite struct ThreadLifecycleTests {
        @Test func threadsThatExitFirstDoNotEndTheProcess() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "threads", "4", "9"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--verbose"], scratch: scratch)
            #expect(waitAttached(tracer))
            testee.openGate()
            #expect(eventually { tracer.lines(containing: "Thread exited:") == 4 }, "stdout: \(tracer.stdout)")
            #expect(tracer.isRunning, "the tracer stopped at a thread's exit")

            testee.openGate()
            #expect(tracer.exitStatus() == 0)
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT exit_code FROM process_events WHERE event_type = 'terminated'") == 9)
        }

        @Test func aLeaderThatCallsPthreadExitIsNotTheProcessEnd() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["leader-exit", "5"], scratch: scratch, label: "testee")
            #expect(eventually { testee.stdout.contains("leader-exiting") })
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--verbose"], scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            // The leader is a zombie now, its other thread alive: the process goes on.
            #expect(
                eventually {
                    (try? String(contentsOfFile: "/proc/\(testee.pid)/stat", encoding: .utf8))?.contains(") Z ") == true
                })
            #expect(tracer.isRunning)

            testee.openGate()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT exit_code FROM process_events WHERE event_type = 'terminated'") == 5)
            #expect(try rows.int("SELECT count(*) FROM process_events WHERE event_type = 'terminated'") == 1)
        }

        @Test func aLeaderExitSeenLiveThenTheLastThreadsExit() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "leader-exit", "none"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--verbose"], scratch: scratch)
            #expect(waitAttached(tracer))
            testee.openGate()  // the leader starts its thread and calls pthread_exit
            #expect(eventually { tracer.stdout.contains("Thread exited: \(testee.pid)") }, "stdout: \(tracer.stdout)")
            #expect(tracer.isRunning, "the tracer took the leader's exit for the process's")

            testee.openGate()  // the last thread calls pthread_exit too: glibc ends the process with 0
            #expect(tracer.exitStatus() == 0)
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT exit_code FROM process_events WHERE event_type = 'terminated'") == 0)
        }
    }
}
