import ArgusCore
import ArgusStore
import Glibc
import Synchronization

/// A fresh directory under /tmp for one test, removed when the test is done with it.
final class ScratchDirectory {
    let path: String

    init() {
        var template = Array("/tmp/argus-store-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { _ = system("rm -rf '\(path)'") }
}

/// Collects the writer's warnings.
final class WarningLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

enum Fixtures {
    static let session = SessionInfo(
        startedAt: WallTime(nanoseconds: 1_769_523_825_123_000_000), arguments: ["argus-trace", "--pid", "1"],
        version: "test", kernel: "6.18", bootID: "boot", hostname: "host", mode: "watch")

    static func metric(_ index: Int) -> Record {
        .metric(
            MetricRecord(
                time: WallTime(nanoseconds: 1_769_523_825_000_000_000 + Int64(index) * 1_000_000), appName: "App",
                processName: "app", pid: 42, cpuPercent: 12.5, memoryMB: 100, threadCount: 3, startTicks: 777,
                vmsMB: 300, openFds: 9, voluntarySwitches: 5, involuntarySwitches: 1, minorFaults: 10, majorFaults: 0,
                readBytes: 4096, writeBytes: 0, state: "S", cpuTimeNs: 123))
    }

    static func terminated(code: Int) -> Record {
        .event(
            ProcessEventRecord(
                time: WallTime(nanoseconds: 1_769_523_830_000_000_000), appName: "App", processName: "app", pid: 42,
                type: .terminated, exitCode: code, signal: nil, coreDumped: false, source: "proc_connector"))
    }

    /// Polls a condition until it holds or the deadline passes; true when it held.
    static func eventually(timeoutMs: Int = 5_000, _ condition: () -> Bool) -> Bool {
        for _ in 0..<(timeoutMs / 5) {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    static func count(_ table: String, in path: String) -> Int64 {
        guard let database = try? SQLiteDatabase(path: path, readOnly: true) else { return -1 }
        return (try? database.scalar("SELECT count(*) FROM \(table)")) ?? -1
    }
}
