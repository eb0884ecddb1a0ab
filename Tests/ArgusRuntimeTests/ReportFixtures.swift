import ArgusCore
import ArgusStore
import Glibc

@testable import ArgusRuntime

/// Sessions written with the real RecordWriter into a scratch database, for the report tests.
final class ReportDatabase {
    let directory: String
    var path: String { directory + "/argus.db" }

    init() {
        var template = Array("/tmp/argus-report-XXXXXX".utf8CString)
        directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { _ = system("rm -rf '\(directory)'") }

    /// 2026-01-27T14:23:45.000Z, and `seconds` after it.
    static func time(_ seconds: Double) -> WallTime {
        WallTime(nanoseconds: 1_769_523_825_000_000_000 + Int64(seconds * 1e9))
    }

    func writer(mode: String, arguments: [String]) throws -> RecordWriter {
        let session = SessionInfo(
            startedAt: Self.time(0), arguments: arguments, version: "test", kernel: "6.18", bootID: "boot",
            hostname: "host", mode: mode)
        return try RecordWriter(RecordWriter.Configuration(path: path, session: session), warn: { _ in })
    }

    static func process(
        _ pid: Int32, parent: Int32, _ argv: [String], from start: Double, to end: Double?, _ status: WaitStatus?,
        execs: Int = 1
    ) -> Record {
        .process(
            ProcessRecord(
                pid: pid, parentPid: parent, comm: argv[0].split(separator: "/").last.map(String.init), exe: argv[0],
                argv: argv, started: time(start), ended: end.map(time), status: status,
                statusSource: end == nil ? nil : "wait", execs: execs))
    }

    static func metric(_ pid: Int32, _ name: String, at seconds: Double, cpu: Double, rss: Double) -> Record {
        .metric(
            MetricRecord(
                time: time(seconds), appName: "app", processName: name, pid: pid, cpuPercent: cpu, memoryMB: rss,
                threadCount: 2, startTicks: 1, vmsMB: rss * 2, openFds: 3, voluntarySwitches: 1, involuntarySwitches: 0,
                minorFaults: 1, majorFaults: 0, readBytes: 0, writeBytes: 0, state: "S", cpuTimeNs: 1))
    }

    static func terminated(_ pid: Int32, _ name: String, at seconds: Double, _ status: WaitStatus) -> Record {
        .event(
            ProcessEventRecord(
                time: time(seconds), appName: "app", processName: name, pid: pid, type: .terminated,
                exitCode: status.shellCode, signal: status.signal, coreDumped: status.coreDumped,
                source: "proc_connector"))
    }

    static func log(_ line: String, at seconds: Double) -> Record {
        .log(
            LogRecord(
                time: time(seconds), appName: "app", processName: "app", pid: 100, line: line, path: "/tmp/app.log"))
    }

    static func stall(_ id: Int, pid: Int32, from start: Double, to end: Double) -> [Record] {
        [
            .stall(
                StallRecord(
                    id: id, kind: .stopped, pid: pid, startTicks: 1, appName: "app", processName: "make",
                    started: time(start), detected: time(start + 1), tid: pid, trigger: "1 thread stopped",
                    threshold: 1, value: 1, windowNs: 5_000_000_000)),
            .stallEnd(
                StallEndRecord(
                    id: id, ended: time(end), durationNs: UInt64((end - start) * 1e9), reason: "recovered",
                    peakValue: 1, peakAt: time(start + 1), checkpoints: 0)),
        ]
    }

    static func ended(_ seconds: Double, target: Int32, reason: String) -> Record {
        .session(SessionUpdate(targetPid: target, endedAt: time(seconds), endReason: reason))
    }

    /// A `run` of `sh -c 'make; cc; ...'`: sh (100) ran make (101, exit 0; it ran cc 102, exit
    /// 1), a program killed by SIGKILL (103) and five `true` (104-108); one stall of make, two
    /// log lines and samples of sh and make.
    func runTree() throws {
        let writer = try writer(mode: "run", arguments: ["argus-trace", "run", "--", "sh", "-c", "build"])
        var records: [Record] = [.session(SessionUpdate(targetPid: 100, targetName: "sh"))]
        for tick in 0..<10 {
            records.append(Self.metric(100, "sh", at: Double(tick) * 0.5 + 0.2, cpu: 1, rss: 3))
            records.append(Self.metric(101, "make", at: Double(tick) * 0.5 + 0.2, cpu: Double(tick * 10), rss: 50))
        }
        records += [
            Self.process(102, parent: 101, ["/usr/bin/cc", "-c", "a.c"], from: 1, to: 2, .exited(1)),
            Self.process(101, parent: 100, ["/usr/bin/make"], from: 0.1, to: 4, .exited(0)),
            Self.process(103, parent: 100, ["/bin/sleep", "60"], from: 4.1, to: 4.2, .signaled(9)),
        ]
        for index in 0..<5 {
            let start = 4.3 + Double(index) * 0.05
            records.append(
                Self.process(104 + Int32(index), parent: 100, ["/bin/true"], from: start, to: start + 0.01, .exited(0)))
        }
        records += Self.stall(1, pid: 101, from: 2, to: 3)
        records += [Self.log("compiling a.c", at: 1), Self.log("error: a.c:3", at: 2)]
        records.append(Self.process(100, parent: 1, ["/bin/sh", "-c", "build"], from: 0, to: 5, .exited(1)))
        records.append(Self.ended(5.5, target: 100, reason: "command and its processes ended"))
        writer.submit(records)
        _ = writer.close()
    }

    /// A watch of `app` (pid 100) that exited 3 after 4 s, with samples every 0.5 s and a log line.
    func watch() throws {
        let writer = try writer(mode: "watch", arguments: ["argus-trace", "--pid", "100"])
        var records: [Record] = [.session(SessionUpdate(targetPid: 100, targetName: "app"))]
        for tick in 0..<8 { records.append(Self.metric(100, "app", at: Double(tick) * 0.5, cpu: 12.5, rss: 100)) }
        records += [
            Self.log("ready", at: 1), Self.terminated(100, "app", at: 4, .exited(3)),
            Self.process(100, parent: 1, ["/usr/bin/app"], from: 0, to: 4, .exited(3)),
            Self.ended(4.001, target: 100, reason: "target exited"),
        ]
        writer.submit(records)
        _ = writer.close()
    }

    func recording(_ id: Int64? = nil) throws -> SessionRecording {
        guard let recording = try SessionReader(path: path).recording(id: id) else {
            throw StoreRefusal(path: path, reason: "no session")
        }
        return recording
    }
}
