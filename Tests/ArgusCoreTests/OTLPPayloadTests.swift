import ArgusCore
import Foundation
import Testing

@Suite struct OTLPPayloadTests {
    let source = OTLPSource(hostName: "dev-machine", serviceName: "TerrainSimulation", scopeVersion: "1.0")
    let process = OTLPProcess(
        pid: 12345, parentPid: 1, executableName: "terrain_sim", commandLine: "./terrain_sim --seed \"42\"",
        started: WallTime(nanoseconds: 1_769_523_800_000_000_000))

    var sample: MetricRecord {
        MetricRecord(
            time: WallTime(nanoseconds: 1_769_523_825_123_000_000), appName: "TerrainSimulation",
            processName: "terrain_sim", pid: 12345, cpuPercent: 45.2, memoryMB: 256.5, threadCount: 4,
            startTicks: 100, vmsMB: 1024, openFds: 12, voluntarySwitches: 300, involuntarySwitches: 7,
            minorFaults: 5000,
            majorFaults: 2, readBytes: 4096, writeBytes: 8192, state: "S", cpuTimeNs: 2_500_000_000,
            cpuUserNs: 2_000_000_000, cpuSystemNs: 500_000_000)
    }

    @Test func metricsFollowTheProcessConventionsAndParseAsTheProtoMessage() throws {
        let body = OTLPMetrics.request([(sample, process)], source: source)
        let summary = try OTLPProtoCheck.parse("metrics", [body])
        let metrics = try #require(summary["metrics"] as? [String: [[String: Any]]])
        #expect(
            Set(metrics.keys) == [
                "process.cpu.time", "process.memory.usage", "process.memory.virtual", "process.threads",
                "process.open_file_descriptors", "process.context_switches", "process.paging.faults",
                "process.disk.io",
            ])
        let cpu = try #require(metrics["process.cpu.time"]?.first)
        #expect(cpu["unit"] as? String == "s")
        #expect(cpu["monotonic"] as? Bool == true)
        #expect(cpu["temporality"] as? Int == 2)
        let cpuPoints = try #require(cpu["points"] as? [[String: Any]])
        #expect(cpuPoints.map { ($0["attributes"] as? [String: String])?["state"] } == ["user", "system"])
        #expect(cpuPoints.map { $0["value"] as? Double } == [2.0, 0.5])
        #expect(cpuPoints.first?["start"] as? Int == 1_769_523_800_000_000_000)
        #expect(cpuPoints.first?["time"] as? Int == 1_769_523_825_123_000_000)
        let memory = try #require(metrics["process.memory.usage"]?.first)
        #expect(memory["unit"] as? String == "By")
        #expect(memory["monotonic"] as? Bool == false)
        #expect((memory["points"] as? [[String: Any]])?.first?["value"] as? Int == 268_959_744)
        let faults = try #require(metrics["process.paging.faults"]?.first?["points"] as? [[String: Any]])
        #expect(faults.map { ($0["attributes"] as? [String: String])?["type"] } == ["major", "minor"])
        let io = try #require(metrics["process.disk.io"]?.first?["points"] as? [[String: Any]])
        #expect(io.map { $0["value"] as? Int } == [4096, 8192])
        let resource = try #require((summary["resources"] as? [[String: Any]])?.first)
        #expect(resource["service.name"] as? String == "TerrainSimulation")
        #expect(resource["host.name"] as? String == "dev-machine")
        #expect(resource["process.pid"] as? Int == 12345)
        #expect(resource["process.parent_pid"] as? Int == 1)
        #expect(resource["process.executable.name"] as? String == "terrain_sim")
        #expect(resource["process.command_line"] as? String == "./terrain_sim --seed \"42\"")
    }

    @Test func unreadableCountersAreLeftOutNotSentAsZero() throws {
        var partial = sample
        partial.openFds = nil
        partial.readBytes = nil
        partial.voluntarySwitches = nil
        let body = OTLPMetrics.request([(partial, process)], source: source)
        let metrics = try #require(try OTLPProtoCheck.parse("metrics", [body])["metrics"] as? [String: Any])
        #expect(metrics["process.open_file_descriptors"] == nil)
        #expect(metrics["process.disk.io"] == nil)
        #expect(metrics["process.context_switches"] == nil)
        #expect(metrics["process.threads"] != nil)
    }

    @Test func theCheckerRefusesAMistypedField() {
        let body = OTLPMetrics.request([(sample, process)], source: source).replacingOccurrences(
            of: "\"asInt\"", with: "\"asInteger\"")
        #expect(throws: OTLPProtoCheck.Failure.self) { try OTLPProtoCheck.parse("metrics", [body]) }
        let wrongType = OTLPMetrics.request([(sample, process)], source: source).replacingOccurrences(
            of: "\"isMonotonic\":true", with: "\"isMonotonic\":\"yes\"")
        #expect(throws: OTLPProtoCheck.Failure.self) { try OTLPProtoCheck.parse("metrics", [wrongType]) }
    }

    @Test func logLinesEventsAndStallsAreLogRecordsUnderTheirProcess() throws {
        let time = WallTime(nanoseconds: 1_769_523_830_000_000_000)
        let records: [Record] = [
            .log(
                LogRecord(
                    time: time, appName: "T", processName: "terrain_sim", pid: 12345, line: "[INFO] done \u{1}\"x\"",
                    path: "/var/log/t.log")),
            .event(
                ProcessEventRecord(
                    time: time, appName: "T", processName: "terrain_sim", pid: 12345, type: .terminated,
                    exitCode: 137, signal: 9, coreDumped: false, detail: "killed by SIGKILL")),
            .event(
                ProcessEventRecord(
                    time: time, appName: "T", processName: "terrain_sim", pid: 12346, type: .restarted, generation: 2)),
            .stall(
                StallRecord(
                    id: 1, kind: .uninterruptible, pid: 12345, startTicks: 1, appName: "T", processName: "terrain_sim",
                    started: time, detected: time, tid: 12350, trigger: "thread 12350 in D state for 1.0 s",
                    threshold: 1, value: 1, windowNs: 0)),
            .stallEnd(
                StallEndRecord(
                    id: 1, ended: time, durationNs: 2_500_000_000, reason: "recovered", peakValue: 2, peakAt: time,
                    checkpoints: 0)),
            .metric(sample),
        ]
        let entries = records.compactMap { OTLPLogEntry($0, stallPid: { $0 == 1 ? 12345 : nil }) }
        #expect(entries.count == 5)
        let body = OTLPLogs.request(entries, processes: [12345: process], source: source)
        let summary = try OTLPProtoCheck.parse("logs", [body])
        let logs = try #require(summary["logs"] as? [[String: Any]])
        #expect(
            logs.map { $0["event"] as? String } == [
                "", "process.terminated", "argus.stall", "argus.stall.end", "process.restarted",
            ])
        #expect(logs.first?["body"] as? String == "[INFO] done \u{1}\"x\"")
        let exit = try #require(logs[1]["attributes"] as? [String: Any])
        #expect(exit["process.exit.code"] as? Int == 137)
        #expect(exit["argus.signal"] as? Int == 9)
        #expect(logs[1]["severity"] as? Int == 13)
        let resources = try #require(summary["resources"] as? [[String: Any]])
        #expect(resources.count == 2)
        #expect(resources.first?["process.pid"] as? Int == 12345)
        #expect(resources.last?["process.pid"] == nil)
    }

    @Test func alertsFiringAndClearedAreLogRecords() throws {
        let time = WallTime(nanoseconds: 1_769_523_830_000_000_000)
        let records: [Record] = [
            .alert(
                AlertRecord(
                    id: 1, rule: "proc.cpu > 80", ruleIndex: 0, appName: "T", fired: time, value: 93.5, pid: 12345,
                    processName: "terrain_sim", detail: "cpu 93.5% > 80", isInstant: false)),
            .alertCleared(AlertClearRecord(id: 1, rule: "proc.cpu > 80", cleared: time, value: 4, reason: "recovered")),
        ]
        let entries = records.compactMap { OTLPLogEntry($0) }
        #expect(entries.count == 2)
        let body = OTLPLogs.request(entries, processes: [12345: process], source: source)
        let summary = try OTLPProtoCheck.parse("logs", [body])
        let logs = try #require(summary["logs"] as? [[String: Any]])
        #expect(Set(logs.map { $0["event"] as? String }) == ["argus.alert", "argus.alert.cleared"])
        let fired = try #require(logs.first { $0["event"] as? String == "argus.alert" })
        let attributes = try #require(fired["attributes"] as? [String: Any])
        #expect(attributes["argus.alert.rule"] as? String == "proc.cpu > 80")
        #expect(attributes["argus.alert.value"] as? Double == 93.5)
    }

    @Test func jsonStringsAreEscaped() throws {
        var object = JSONObject()
        object.string("line", "tab\there \"q\" \\ \u{7}")
        object.double("nan", .nan)
        object.int("none", orNull: Int?.none)
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(object.text.utf8)) as? [String: Any])
        #expect(parsed["line"] as? String == "tab\there \"q\" \\ \u{7}")
        #expect(parsed["nan"] as? Int == 0)
        #expect(parsed["none"] is NSNull)
    }
}
