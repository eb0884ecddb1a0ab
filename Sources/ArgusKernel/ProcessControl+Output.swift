import ArgusCore
import CArgusLinux
import Glibc

extension ProcessControl {
    /// How long a killed helper is given to close its output and be reaped.
    static let killGraceNs: UInt64 = 200_000_000

    /// Runs the program at `path` (not searched in PATH) with `arguments` (argv[0] first), stdin
    /// on /dev/null and stdout and stderr each through a pipe, and reads both to end of file;
    /// at `timeoutNs` it is killed with SIGKILL. Never blocks for ever: after the deadline it
    /// waits at most `killGraceNs` more for the pipes and again for the reap.
    ///
    /// posix_spawn(3) with posix_spawn_file_actions_adddup2/addopen, pipe2(2) (O_CLOEXEC, so
    /// no other child inherits the ends), poll(2), read(2), kill(2), waitpid(2) with WNOHANG.
    /// In `run` mode another thread calls waitpid(-1) on SIGCHLD and may reap the program
    /// first: ECHILD here means "ended, status unknown", and the output, read to end of file,
    /// is all the same complete. `environment` is added to (and overrides) this process's own.
    public static func run(
        _ path: String, arguments: [String], timeoutNs: UInt64, outputLimit: Int = 1 << 20,
        environment: [String: String] = [:]
    ) throws(Errno) -> ProgramOutput {
        let start = Clocks.monotonicNs()
        let deadline = start.addingReportingOverflow(timeoutNs).overflow ? UInt64.max : start + timeoutNs
        let output = try Pipe()
        let errors = try Pipe()
        let pid = try spawn(
            path, arguments, stdout: output.writeEnd, stderr: errors.writeEnd, environment: environment)
        output.closeWriteEnd()
        errors.closeWriteEnd()

        var streams = [(fd: output.readEnd, bytes: [UInt8]()), (fd: errors.readEnd, bytes: [UInt8]())]
        let killed = drain(&streams, pid: pid, deadline: deadline, limit: outputLimit)
        let elapsed = Clocks.monotonicNs() - start
        let status = reap(pid, until: max(deadline, Clocks.monotonicNs()) + killGraceNs)
        return ProgramOutput(
            status: status, output: streams[0].bytes, errorOutput: streams[1].bytes, timedOut: killed,
            elapsedNs: elapsed)
    }

    /// posix_spawn(3) of `path` with stdin on /dev/null and stdout and stderr on the given fds.
    private static func spawn(
        _ path: String, _ arguments: [String], stdout: Int32, stderr: Int32, environment: [String: String]
    ) throws(Errno) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        if environment.isEmpty {
            let code = withChildAttributes { attributes in posix_spawn(&pid, path, &actions, attributes, argv, environ)
            }
            guard code == 0 else { throw Errno(rawValue: code) }
            return pid
        }
        let envp: [UnsafeMutablePointer<CChar>?] = mergedEnvironment(environment).map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        let code = withChildAttributes { attributes in posix_spawn(&pid, path, &actions, attributes, argv, envp) }
        guard code == 0 else { throw Errno(rawValue: code) }
        return pid
    }

    /// environ(7) as NAME=VALUE strings, without the names `extra` sets, then `extra` (sorted).
    private static func mergedEnvironment(_ extra: [String: String]) -> [String] {
        var entries: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
            if extra[name] == nil { entries.append(text) }
            cursor += 1
        }
        return entries + extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// poll(2) and read(2) on both streams until each reaches end of file. At `deadline` the
    /// program is killed (its pipes are still open, so it is alive and not yet reaped: the pid
    /// is still its own); then the pipes get `killGraceNs` more. True when it was killed.
    private static func drain(
        _ streams: inout [(fd: Int32, bytes: [UInt8])], pid: Int32, deadline: UInt64, limit: Int
    ) -> Bool {
        var open = streams.map { _ in true }
        var killed = false
        var end = deadline
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while open.contains(true) {
            let now = Clocks.monotonicNs()
            if now >= end {
                if killed { break }
                kill(pid, SIGKILL)
                killed = true
                end = now + killGraceNs
                continue
            }
            var entries = streams.indices.map {
                pollfd(fd: open[$0] ? streams[$0].fd : -1, events: Int16(POLLIN), revents: 0)
            }
            let waitMs = Int32(min((end - now + 999_999) / 1_000_000, 60_000))
            let ready = (try? SystemCall.retrying { poll(&entries, nfds_t(entries.count), waitMs) }) ?? -1
            if ready < 0 { break }
            for index in streams.indices where open[index] && entries[index].revents != 0 {
                let count =
                    (try? SystemCall.retrying {
                        chunk.withUnsafeMutableBytes { Glibc.read(streams[index].fd, $0.baseAddress, $0.count) }
                    }) ?? 0
                if count <= 0 {
                    open[index] = false
                } else if streams[index].bytes.count < limit {
                    streams[index].bytes += chunk[0..<min(count, limit - streams[index].bytes.count)]
                }
            }
        }
        return killed
    }

    /// waitpid(2) with WNOHANG until `pid` is reaped or `until` passes (then SIGKILL, and one
    /// more `killGraceNs`). nil when the status is unknown: ECHILD (another waitpid reaped it)
    /// or still not gone, in which case the event loop's waitpid(-1) reaps it later.
    private static func reap(_ pid: Int32, until: UInt64) -> WaitStatus? {
        var end = until
        var killed = false
        while true {
            var status: Int32 = 0
            let reaped = (try? SystemCall.retrying { waitpid(pid, &status, WNOHANG) }) ?? -1
            if reaped == pid { return WaitStatus(raw: UInt32(bitPattern: status)) }
            if reaped < 0 { return nil }
            if Clocks.monotonicNs() >= end {
                if killed { return nil }
                kill(pid, SIGKILL)
                killed = true
                end = Clocks.monotonicNs() + killGraceNs
            }
            usleep(1_000)
        }
    }
}

/// pipe2(2) with O_CLOEXEC (through the shim): both ends close with the pipe.
private final class Pipe {
    let readEnd: Int32
    private(set) var writeEnd: Int32

    init() throws(Errno) {
        var ends: [Int32] = [-1, -1]
        try SystemCall.negativeErrno { argus_pipe_cloexec(&ends) }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    /// close(2) of the write end, once the child holds its own copy.
    func closeWriteEnd() {
        if writeEnd >= 0 { close(writeEnd) }
        writeEnd = -1
    }

    deinit {
        close(readEnd)
        closeWriteEnd()
    }
}
