import Foundation
import Testing

extension EndToEnd {
    @Suite struct DegradedTests {
        @Test func withoutRootItSaysWhatIsMissingAndKeepsSampling() throws {
            let scratch = Scratch()
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: scratch.path)
            // PID 1 belongs to root: an unprivileged tracer may not read its io or fd table.
            let tracer = try Child(
                "/usr/bin/setpriv",
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups", Binaries.tracer, "--pid", "1", "--interval",
                    "0.2",
                    "--db", scratch.database,
                ],
                scratch: scratch, label: "nobody")
            #expect(eventually { tracer.lines(containing: "Metrics: CPU=") >= 2 }, "stderr: \(tracer.stderr)")
            let warnings = tracer.stderr.split(separator: "\n").filter { $0.contains("not permitted to read") }
            #expect(warnings.count == 1, "stderr: \(tracer.stderr)")
            #expect(warnings.first?.contains("/proc/1/io") == true)
            tracer.signal(SIGTERM)
            #expect(tracer.exitStatus() == 143, "stderr: \(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(
                try rows.int("SELECT count(*) FROM performance_metrics WHERE read_bytes IS NULL AND memory_mb > 0") ?? 0
                    >= 2)
        }
    }
}
