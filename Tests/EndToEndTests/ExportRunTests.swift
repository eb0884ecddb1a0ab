import Foundation
import Testing

extension EndToEnd {
    @Suite struct ExportRunTests {
        @Test func runExportsTheTreeToTheCollectorAndTheServer() throws {
            let scratch = Scratch()
            let collector = try HTTPReceiver(scratch: scratch)
            let server = try HTTPReceiver(scratch: scratch)
            let tracer = try Child(
                Binaries.tracer,
                [
                    "run", "--db", scratch.database, "--interval", "0.2", "--otlp-endpoint", collector.url, "--server",
                    server.url, "--", "/bin/sh", "-c", "sleep 1; exit 7",
                ], scratch: scratch, label: "run")
            #expect(tracer.exitStatus(within: 20) == 7, "stderr: \(tracer.stderr)")
            let logs = try OTLPProtoCheck.parse("logs", collector.requests(to: "/v1/logs").map(\.body))
            let exits = (logs["logs"] as? [[String: Any]] ?? []).filter {
                $0["event"] as? String == "process.terminated"
            }
            #expect(exits.contains { ($0["attributes"] as? [String: Any])?["process.exit.code"] as? Int == 7 })
            let metrics = try OTLPProtoCheck.parse("metrics", collector.requests(to: "/v1/metrics").map(\.body))
            #expect((metrics["metrics"] as? [String: Any])?["process.cpu.time"] != nil)
            let events = server.requests(to: "/api/ingest").compactMap(\.json).filter {
                $0["event_type"] as? String == "process_event"
            }
            #expect(
                events.contains { $0["process_event_type"] as? String == "terminated" && $0["exit_code"] as? Int == 7 })
            let rows = try Rows(scratch.database)
            let stored = try rows.int(
                "SELECT (SELECT count(*) FROM performance_metrics) + (SELECT count(*) FROM log_entries) "
                    + "+ (SELECT count(*) FROM process_events)")
            #expect(Int64(server.requests.count) == stored)
        }
    }
}
