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
/// Started with posix_spawn and reaped with waitpid (Foundation's Process on Linux notices an
/// exit only once every descendant has let go of inherited descriptors), with no signal blocked
/// and default signal actions, as a shell would start it.
final class Child {
    let pid: Int32
    let stdoutPath: String
    let stderrPath: String
    private let stdinWriter: Int32
    private var status: Int32?

    init(
        _ executable: String, _ arguments: [String], scratch: Scratch, label: String,
        environment: [String: String] = [:]
    ) throws {
        stdoutPath = scratch.path + "/\(label)-\(UUID().uuidString.prefix(4)).out"
        stderrPath = stdoutPath + ".err"
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw POSIXError(.EMFILE) }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        stdinWriter = pipeEnds[1]
        defer { close(pipeEnds[0]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var inherited = ProcessInfo.processInfo.environment
        inherited.merge(environment) { $1 }
        let envp: [UnsafeMutablePointer<CChar>?] = inherited.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard code == 0 else {
            close(stdinWriter)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ENOENT)
        }
        pid = child
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Lets a `gate` of the testee pass.
    func openGate() { _ = "go\n".withCString { write(stdinWriter, $0, 3) } }

    func signal(_ number: Int32) { kill(pid, number) }

    /// True until it has exited (and then it is reaped).
    var isRunning: Bool {
        if status != nil { return false }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid {
            status = raw
            return false
        }
        return true
    }

    /// Its exit status as a shell shows it (128 + N for a signal); nil if it does not end in
    /// time (it is then killed).
    func exitStatus(within seconds: Double = 10) -> Int32? {
        guard eventually(within: seconds, { !isRunning }), let raw = status else {
            kill(pid, SIGKILL)
            _ = isRunning
            var raw: Int32 = 0
            if status == nil { waitpid(pid, &raw, 0) }
            return nil
        }
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    }

    /// Output lines containing `text`, split at newline bytes ("\r\n" is one Character in Swift).
    func lines(containing text: String) -> Int {
        stdout.utf8.split(separator: UInt8(ascii: "\n")).filter { String(decoding: $0, as: UTF8.self).contains(text) }
            .count
    }

    deinit {
        close(stdinWriter)
        if isRunning {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
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
