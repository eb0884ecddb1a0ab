import Foundation
import Testing

extension EndToEnd {
    @Suite struct OTLPExportTests {
        @Test func aWatchedProcessArrivesAtTheCollectorAsProtoValidMetricsAndLogs() throws {
            let scratch = Scratch()
            let receiver = try HTTPReceiver(scratch: scratch)
            let log = scratch.path + "/app.log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let testee = try Child(Binaries.testee, ["gate", "exit", "3"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                [
                    "--pid", "\(testee.pid)", "--interval", "0.2", "--logfile", log, "--app-name", "OTLPApp",
                    "--otlp-endpoint", receiver.url + "/",
                ], scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            #expect(eventually { receiver.requests(to: "/v1/metrics").count >= 2 }, "stderr: \(tracer.stderr)")
            AppLog(log).write("first line\nsecond \"line\"\n")
            #expect(eventually { receiver.requests(to: "/v1/logs").count >= 1 })
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")

            let metrics = try OTLPProtoCheck.parse("metrics", receiver.requests(to: "/v1/metrics").map(\.body))
            let names = Set((metrics["metrics"] as? [String: Any])?.keys.map { $0 } ?? [])
            #expect(names.isSuperset(of: ["process.cpu.time", "process.memory.usage", "process.threads"]))
            let resource = try #require((metrics["resources"] as? [[String: Any]])?.first)
            #expect(resource["process.pid"] as? Int == Int(testee.pid))
            #expect(resource["service.name"] as? String == "OTLPApp")
            #expect(resource["process.executable.name"] as? String == "argus-testee")
            #expect((resource["process.command_line"] as? String)?.hasSuffix("argus-testee gate exit 3") == true)
            #expect(receiver.requests.allSatisfy { $0.headers["content-type"] == "application/json" })

            let logs = try OTLPProtoCheck.parse("logs", receiver.requests(to: "/v1/logs").map(\.body))
            let records = try #require(logs["logs"] as? [[String: Any]])
            #expect(
                records.compactMap { $0["body"] as? String }.filter { $0.contains("line") } == [
                    "first line", "second \"line\"",
                ])
            let exit = try #require(records.first { $0["event"] as? String == "process.terminated" })
            #expect((exit["attributes"] as? [String: Any])?["process.exit.code"] as? Int == 3)
        }

        @Test func aDeadCollectorCostsOneWarningAndNoRow() throws {
            let scratch = Scratch()
            let receiver = try HTTPReceiver(scratch: scratch, listening: false)
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                ["--pid", "\(testee.pid)", "--interval", "0.1", "--otlp-endpoint", receiver.url], scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            #expect(eventually { tracer.stderr.contains("OTLP export to") })
            let rows = try Rows(scratch.database)
            #expect(eventually { ((try? rows.int("SELECT count(*) FROM performance_metrics")) ?? 0) >= 5 })
            testee.openGate()
            let started = Date()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            #expect(Date().timeIntervalSince(started) < 3)
            #expect(tracer.stderr.components(separatedBy: "OTLP export to").count == 2, "\(tracer.stderr)")
            #expect(try rows.int("SELECT count(*) FROM process_events WHERE event_type = 'terminated'") == 1)
        }
    }
}
