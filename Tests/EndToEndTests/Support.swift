import ArgusStore
import Foundation
import Testing

/// The binaries SwiftPM built beside this test bundle.
enum Binaries {
    static let directory: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (exe as NSString).deletingLastPathComponent
    }()
    static let tracer = directory + "/argus-trace"
    static let testee = directory + "/argus-testee"
}

/// A fresh directory for one test, removed afterwards.
final class Scratch {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "argus-e2e-" + UUID().uuidString.prefix(8)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var database: String { path + "/argus.db" }

    /// A link to the testee under a unique name, so `--process NAME` matches only this test's.
    func testeeNamed(_ prefix: String) -> (path: String, name: String) {
        let name = prefix + "-" + UUID().uuidString.prefix(6).lowercased()
        let link = path + "/" + name
        try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Binaries.testee)
        return (link, name)
    }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass. Returns whether it held.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A real child process with its stdout and stderr captured to files and a pipe on its stdin.
final class Child {
    let process = Process()
    private let input = Pipe()
    let stdoutPath: String
    let stderrPath: String

    init(_ executable: String, _ arguments: [String], scratch: Scratch, label: String) throws {
        stdoutPath = scratch.path + "/\(label)-\(UUID().uuidString.prefix(4)).out"
        stderrPath = stdoutPath + ".err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Lets a `gate` of the testee pass.
    func openGate() { input.fileHandleForWriting.write("go\n".data(using: .utf8)!) }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the exit; kills it and returns nil if it does not come in time.
    func exitStatus(within seconds: Double = 10) -> Int32? {
        if eventually(within: seconds, { !process.isRunning }) {
            process.waitUntilExit()
            return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        return nil
    }

    /// Output lines containing `text`, split at newline bytes ("\r\n" is one Character in Swift).
    func lines(containing text: String) -> Int {
        stdout.utf8.split(separator: UInt8(ascii: "\n")).filter { String(decoding: $0, as: UTF8.self).contains(text) }.count
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// argus-trace, run against a target with its own database in the scratch directory.
func startTracer(_ arguments: [String], scratch: Scratch) throws -> Child {
    try Child(Binaries.tracer, arguments + ["--db", scratch.database], scratch: scratch, label: "tracer")
}

/// Waits until the tracer has attached (it prints the target line once every source is open).
func waitAttached(_ tracer: Child) -> Bool {
    eventually { tracer.stdout.contains("Process: ") }
}

/// Read queries against the database a test's tracer wrote.
struct Rows {
    let database: SQLiteDatabase

    init(_ path: String) throws { database = try SQLiteDatabase(path: path, readOnly: true) }

    func int(_ sql: String) throws -> Int64? { try database.scalar(sql) }

    func texts(_ sql: String) throws -> [String] {
        let statement = try database.prepare(sql)
        var values: [String] = []
        while try statement.step() { values.append(statement.text(0) ?? "NULL") }
        return values
    }

    func doubles(_ sql: String) throws -> [Double] {
        let statement = try database.prepare(sql)
        var values: [Double] = []
        while try statement.step() { values.append(statement.double(0) ?? .nan) }
        return values
    }
}
