import Foundation
import Testing

extension EndToEnd {
    @Suite struct ExitStatusTests {
        struct Case: Sendable, CustomTestStringConvertible {
            let action: [String]
            let exitCode: Int64
            let signal: Int64?
            var testDescription: String { action.joined(separator: " ") }
        }

        static let cases: [Case] = [
            Case(action: ["exit", "0"], exitCode: 0, signal: nil),
            Case(action: ["exit", "1"], exitCode: 1, signal: nil),
            Case(action: ["exit", "7"], exitCode: 7, signal: nil),
            Case(action: ["exit", "255"], exitCode: 255, signal: nil),
            Case(action: ["kill", "9"], exitCode: 137, signal: 9),
            Case(action: ["kill", "11"], exitCode: 139, signal: 11),
            Case(action: ["kill", "15"], exitCode: 143, signal: 15),
        ]

        @Test(arguments: cases)
        func recordsHowTheProcessEnded(_ testCase: Case) throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate"] + testCase.action, scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)", "--interval", "0.2"], scratch: scratch)
            #expect(waitAttached(tracer), "tracer did not attach: \(tracer.stderr)")
            testee.openGate()

            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            let terminated = "FROM process_events WHERE event_type = 'terminated' AND process_id = \(testee.pid)"
            #expect(try rows.int("SELECT count(*) \(terminated)") == 1)
            #expect(try rows.int("SELECT exit_code \(terminated)") == testCase.exitCode)
            #expect(try rows.int("SELECT signal \(terminated)") == testCase.signal)
            #expect(try rows.int("SELECT core_dumped \(terminated)") != nil)
            #expect(try rows.texts("SELECT source \(terminated)") == ["proc_connector"])
            // The BPF exit probe, an independent source, saw the same status.
            #expect(try rows.int("SELECT bpf_exit_code \(terminated)") == testCase.exitCode)
            #expect(
                try rows.texts("SELECT event_type FROM process_events ORDER BY timestamp_ns, id")
                    == ["monitoring_started", "terminated", "monitoring_stopped"])
            #expect(
                try rows.int("SELECT count(*) FROM performance_metrics") ?? 0 >= 1,
                "stdout: \(tracer.stdout) stderr: \(tracer.stderr)")
            let expectedLine =
                testCase.signal == nil
                ? "Process terminated (exit code: \(testCase.exitCode))" : "Process terminated (killed by SIG"
            #expect(tracer.stdout.contains(expectedLine), "stdout: \(tracer.stdout)")
        }

        @Test func theExitIsStampedWithWhenTheKernelSawIt() throws {
            let scratch = Scratch()
            let testee = try Child(Binaries.testee, ["gate", "stamp-exit", "3"], scratch: scratch, label: "testee")
            let tracer = try startTracer(["--pid", "\(testee.pid)"], scratch: scratch)
            #expect(waitAttached(tracer))
            testee.openGate()
            #expect(tracer.exitStatus() == 0)
            let stamp = try #require(Int64(testee.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
            let stored = try #require(
                try Rows(scratch.database).int(
                    "SELECT timestamp_ns FROM process_events WHERE event_type = 'terminated'"))
            // The child stamps its clock just before exit(); the kernel's exit comes right after.
            #expect(stored >= stamp - 5_000_000, "stored \(stored) is before the child's stamp \(stamp)")
            #expect(stored - stamp < 1_000_000_000)
        }
    }
}
