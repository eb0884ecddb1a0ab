import ArgusCore
import Foundation
import Testing

@Suite struct GazeIngestTests {
    let row = GazeIngest.Common(
        timestamp: "2026-01-27T14:23:45.123Z", appName: "TerrainSimulation", processName: "terrain_sim",
        processID: 12345, hostname: "dev-machine")

    func parsed(_ payload: GazeIngest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(payload.json.utf8)) as? [String: Any])
    }

    @Test func performanceMetricHasTheSpecsFieldsExactly() throws {
        let json = try parsed(.performanceMetric(row, cpuPercent: 45.2, memoryMB: 256.8, threadCount: 4))
        #expect(
            Set(json.keys) == [
                "event_type", "timestamp", "app_name", "process_name", "process_id", "cpu_percent", "memory_mb",
                "thread_count", "hostname",
            ])
        #expect(json["event_type"] as? String == "performance_metric")
        #expect(json["timestamp"] as? String == "2026-01-27T14:23:45.123Z")
        #expect(json["process_id"] as? Int == 12345)
        #expect(json["cpu_percent"] as? Double == 45.2)
        #expect(json["memory_mb"] as? Double == 256.8)
        #expect(json["thread_count"] as? Int == 4)
        #expect(json["hostname"] as? String == "dev-machine")
    }

    @Test func logEntryHasTheSpecsFieldsExactly() throws {
        let line = "[INFO] Terrain \"generation\" completed\tin 2.5s \u{1}"
        let json = try parsed(.logEntry(row, logLine: line, logfilePath: "/home/user/terrain_sim.log"))
        #expect(
            Set(json.keys) == [
                "event_type", "timestamp", "app_name", "process_name", "process_id", "log_line", "logfile_path",
                "hostname",
            ])
        #expect(json["event_type"] as? String == "log_entry")
        #expect(json["log_line"] as? String == line)
        #expect(json["logfile_path"] as? String == "/home/user/terrain_sim.log")
    }

    @Test func processEventHasTheSpecsFieldsWithNullExitCodeUnlessTerminated() throws {
        let ended = try parsed(.processEvent(row, eventType: "terminated", exitCode: 0))
        #expect(
            Set(ended.keys) == [
                "event_type", "timestamp", "app_name", "process_name", "process_id", "process_event_type", "exit_code",
                "hostname",
            ])
        #expect(ended["event_type"] as? String == "process_event")
        #expect(ended["process_event_type"] as? String == "terminated")
        #expect(ended["exit_code"] as? Int == 0)
        let started = try parsed(
            .processEvent(
                GazeIngest.Common(timestamp: "t", appName: "a", processName: "p", processID: 1, hostname: nil),
                eventType: "monitoring_started", exitCode: nil))
        #expect(started["exit_code"] is NSNull)
        #expect(started["hostname"] is NSNull)
    }
}
