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

/// A file's bytes and modification time, to show a refused file was left untouched.
struct FileState: Equatable, CustomStringConvertible {
    let bytes: [UInt8]
    let modifiedNs: Int64

    init(_ path: String) {
        var info = stat()
        stat(path, &info)
        modifiedNs = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        var bytes: [UInt8] = []
        if let file = fopen(path, "rb") {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = fread(&buffer, 1, buffer.count, file)
                if count <= 0 { break }
                bytes += buffer[0..<count]
            }
            fclose(file)
        }
        self.bytes = bytes
    }

    static func write(_ bytes: [UInt8], to path: String) {
        let file = fopen(path, "wb")
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    var description: String { "\(bytes.count) bytes, hash \(bytes.hashValue), modified \(modifiedNs)" }
}

extension Fixtures {
    static func stall(_ id: Int) -> Record {
        .stall(
            StallRecord(
                id: id, kind: .stopped, pid: 42, startTicks: 777, appName: "App", processName: "app",
                started: WallTime(nanoseconds: 1_769_523_826_000_000_000),
                detected: WallTime(nanoseconds: 1_769_523_827_000_000_000), tid: 43, trigger: "1 thread stopped",
                threshold: 1, value: 1, windowNs: 5_000_000_000))
    }

    static func stallEnd(_ id: Int, peak: Double = 2) -> Record {
        .stallEnd(
            StallEndRecord(
                id: id, ended: WallTime(nanoseconds: 1_769_523_829_000_000_000), durationNs: 3_000_000_000,
                reason: "condition cleared", peakValue: peak, peakAt: WallTime(nanoseconds: 1_769_523_828_000_000_000),
                checkpoints: 1))
    }

    static func log(_ line: String, raw: [UInt8]? = nil) -> Record {
        .log(
            LogRecord(
                time: WallTime(nanoseconds: 1_769_523_825_500_000_000), appName: "App", processName: "app", pid: 42,
                line: line, path: "/var/log/app.log", offset: 0, inode: 1, raw: raw))
    }

    /// A writer on `path` that must open; fails the test (by throwing) when refused.
    static func writer(
        _ path: String, warn: @escaping @Sendable (String) -> Void = { _ in },
        configure: (inout RecordWriter.Configuration) -> Void = { _ in }
    ) throws -> RecordWriter {
        var configuration = RecordWriter.Configuration(path: path, session: session)
        configure(&configuration)
        return try RecordWriter(configuration, warn: warn)
    }

    /// A complete database of the current schema with one session and a few rows.
    static func realDatabase(at path: String) throws {
        let writer = try writer(path)
        writer.submit(
            (0..<50).map(metric) + [
                terminated(code: 0), log("hello"), stall(1), stallEnd(1), groupSample(generation: 1),
            ])
        _ = writer.close()
    }
}
