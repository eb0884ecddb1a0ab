import Foundation

/// Real servers for the end-to-end tests to watch: nginx and PostgreSQL 15 from Debian's packages
/// (scripts/setup installs them for scripts/test), each with every file, socket and port of its own
/// so tests can run them side by side, none depending on a service the packages may have started.
///
/// Both are started as a `Child` of the test and stay in the foreground (nginx `daemon off`, postgres
/// without pg_ctl start): the pid the test spawns is the server's (nginx) or its parent (runuser),
/// known at once with no pid-file race, and the test reaps it. A daemonizing server would be
/// re-parented to PID 1, which on these machines does not reap: every server it stopped would stay
/// a zombie.

struct ServerError: Error, CustomStringConvertible {
    let description: String
}

/// Runs a command to its end; throws with its output unless it exits 0 in time.
@discardableResult
func runToCompletion(
    _ executable: String, _ arguments: [String], scratch: Scratch, label: String, within seconds: Double = 60
) throws -> Child {
    let child = try Child(executable, arguments, scratch: scratch, label: label)
    let status = child.exitStatus(within: seconds)
    guard status == 0 else {
        let ending = status.map { "exited \($0)" } ?? "did not end within \(Int(seconds)) s"
        let command = ([executable] + arguments).joined(separator: " ")
        throw ServerError(description: "\(command) \(ending): \(child.stderr)\(child.stdout)")
    }
    return child
}

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it; a server that then
/// loses the race for it is retried on another).
func freeLoopbackPort() throws -> UInt16 {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw ServerError(description: "socket: errno \(errno)") }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0
        }
    }
    guard bound else { throw ServerError(description: "bind 127.0.0.1:0: errno \(errno)") }
    return UInt16(bigEndian: address.sin_port)
}

/// nginx with a master and `workers` worker processes, serving on 127.0.0.1:`port`.
///
/// The master is the spawned process itself (`daemon off`, `master_process on`), so `masterPid` is
/// known before nginx writes its pid file; `nginx -s` finds it through that file as usual.
final class NginxServer {
    static let executable = "/usr/sbin/nginx"

    /// The directory holding the configuration, pid file, logs and temp paths (nginx's `-p`).
    let prefix: String
    let configPath: String
    let port: UInt16
    let workers: Int
    private let scratch: Scratch
    private let master: Child

    var masterPid: Int32 { master.pid }
    var errorLog: String { (try? String(contentsOfFile: prefix + "error.log", encoding: .utf8)) ?? "" }
    var accessLog: String { (try? String(contentsOfFile: prefix + "access.log", encoding: .utf8)) ?? "" }

    /// Writes the configuration and starts nginx; returns once the master and all its workers run.
    init(scratch: Scratch, workers: Int = 2) throws {
        self.scratch = scratch
        self.workers = workers
        prefix = scratch.path + "/nginx-\(UUID().uuidString.prefix(6))/"
        configPath = prefix + "nginx.conf"
        try FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
        var lastError = ""
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            try Self.configuration(prefix: prefix, port: port, workers: workers)
                .write(toFile: configPath, atomically: true, encoding: .utf8)
            let master = try Child(
                Self.executable, ["-c", configPath, "-p", prefix], scratch: scratch, label: "nginx")
            let started = eventually(within: 30) {
                !master.isRunning || Self.workerPids(of: master.pid).count == workers
            }
            if started && master.isRunning {
                self.port = port
                self.master = master
                return
            }
            lastError = master.stderr + errorLogText(prefix)
            _ = master.exitStatus(within: 5)  // kills it if it is still starting
            if !lastError.contains("Address already in use") { break }
        }
        throw ServerError(description: "nginx did not start \(workers) workers: \(lastError)")
    }

    /// The master's current children (its workers; during a reload, old ones shutting down too).
    func workerPids() -> [Int32] { ProcView.children(of: masterPid) }

    /// `nginx -s reload`; returns once `workers` new workers run and every old one has exited.
    func reload() throws {
        let old = Set(workerPids())
        try signal("reload")
        let replaced = eventually(within: 30) {
            let current = Set(workerPids())
            return current.count == workers && current.isDisjoint(with: old)
        }
        guard replaced else {
            throw ServerError(description: "nginx reload: workers \(workerPids()), were \(old.sorted()): \(errorLog)")
        }
    }

    /// `nginx -s quit` (graceful); returns once the master has exited (and is reaped).
    func quit() throws {
        try signal("quit")
        guard let status = master.exitStatus(within: 30) else {
            throw ServerError(description: "nginx master \(masterPid) did not quit: \(errorLog)")
        }
        guard status == 0 else { throw ServerError(description: "nginx master exited \(status): \(errorLog)") }
    }

    /// A plain HTTP/1.0 GET of `path`; the whole response, headers included.
    func get(_ path: String = "/") throws -> String {
        try httpGet(port: port, path: path)
    }

    private func signal(_ name: String) throws {
        try runToCompletion(
            Self.executable, ["-c", configPath, "-p", prefix, "-s", name], scratch: scratch, label: "nginx-\(name)")
    }

    /// Fast shutdown (SIGTERM: the master stops and reaps its workers), then SIGKILL for whatever
    /// is left, so no test leaves a server behind.
    deinit {
        guard master.isRunning else { return }
        master.signal(SIGTERM)
        if !eventually(within: 10, { !master.isRunning }) {
            for worker in workerPids() { kill(worker, SIGKILL) }
            _ = master.exitStatus(within: 0)  // SIGKILLs and reaps the master
        }
    }

    private static func workerPids(of master: Int32) -> [Int32] {
        ProcView.children(of: master).filter {
            ProcView.commandLine(of: $0).hasPrefix("nginx: worker process")
        }
    }

    private static func configuration(prefix: String, port: UInt16, workers: Int) -> String {
        """
        daemon off;
        master_process on;
        worker_processes \(workers);
        pid \(prefix)nginx.pid;
        lock_file \(prefix)nginx.lock;
        error_log \(prefix)error.log notice;
        events { worker_connections 64; }
        http {
            access_log \(prefix)access.log;
            client_body_temp_path \(prefix)client_body;
            proxy_temp_path \(prefix)proxy;
            fastcgi_temp_path \(prefix)fastcgi;
            uwsgi_temp_path \(prefix)uwsgi;
            scgi_temp_path \(prefix)scgi;
            server {
                listen 127.0.0.1:\(port);
                location / { return 200 "argus\\n"; }
            }
        }

        """
    }
}

private func errorLogText(_ prefix: String) -> String {
    (try? String(contentsOfFile: prefix + "error.log", encoding: .utf8)) ?? ""
}

/// A GET over loopback TCP with a 10 s receive timeout.
func httpGet(port: UInt16, path: String) throws -> String {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw ServerError(description: "socket: errno \(errno)") }
    defer { close(socketFD) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
    guard connected else { throw ServerError(description: "connect 127.0.0.1:\(port): errno \(errno)") }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8)
    guard write(socketFD, request, request.count) == request.count else {
        throw ServerError(description: "write to 127.0.0.1:\(port): errno \(errno)")
    }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(socketFD, &buffer, buffer.count)
        if count <= 0 { break }
        response += buffer[..<count]
    }
    return String(decoding: response, as: UTF8.self)
}

/// A PostgreSQL 15 cluster of its own: data directory and Unix socket directory in the scratch
/// directory, no TCP (`listen_addresses=''`), run as the `postgres` user. Connections and
/// disconnections are logged, each line with the backend's pid (`log_line_prefix` `[%p]`).
///
/// The spawned process is `runuser`, which forks the postmaster and waits for it; `postmasterPid`
/// is read from postmaster.pid and checked to be runuser's child.
final class PostgresServer {
    static let binaries = "/usr/lib/postgresql/15/bin/"
    static let user = "postgres"

    let dataDirectory: String
    let socketDirectory: String
    let postmasterPid: Int32
    private let scratch: Scratch
    private let runuser: Child
    private var initialized = false

    /// The postmaster's stderr: its log.
    var log: String { runuser.stderr }

    /// Runs initdb, starts the postmaster and returns once it accepts connections.
    init(scratch: Scratch) throws {
        self.scratch = scratch
        let base = scratch.path + "/postgres-\(UUID().uuidString.prefix(6))"
        dataDirectory = base + "/data"
        socketDirectory = base + "/socket"
        guard let account = getpwnam(Self.user) else { throw ServerError(description: "no user \(Self.user)") }
        let (uid, gid) = (account.pointee.pw_uid, account.pointee.pw_gid)
        for directory in [base, socketDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard chown(directory, uid, gid) == 0, chmod(directory, 0o700) == 0 else {
                throw ServerError(description: "chown/chmod \(directory): errno \(errno)")
            }
        }
        try runToCompletion(
            "/usr/sbin/runuser",
            [
                "-u", Self.user, "--", Self.binaries + "initdb", "-D", dataDirectory, "-U", Self.user, "-A", "trust",
                "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
            ],
            scratch: scratch, label: "initdb", within: 180)
        let runuser = try Child(
            "/usr/sbin/runuser",
            [
                "-u", Self.user, "--", Self.binaries + "postgres", "-D", dataDirectory, "-k", socketDirectory,
                "-c", "listen_addresses=", "-c", "log_connections=on", "-c", "log_disconnections=on",
                "-c", "log_line_prefix=%m [%p] ", "-c", "shared_buffers=16MB", "-c", "fsync=off",
            ],
            scratch: scratch, label: "postgres")
        // postmaster.pid: line 1 the pid, line 8 the status, "ready" once it accepts connections.
        let pidFile = dataDirectory + "/postmaster.pid"
        var pid: Int32 = 0
        let ready = eventually(within: 60) {
            guard runuser.isRunning else { return true }
            let lines = ProcView.read(pidFile)?.split(separator: "\n", omittingEmptySubsequences: false) ?? []
            guard lines.count > 7, let found = Int32(lines[0]), lines[7].hasPrefix("ready") else { return false }
            pid = found
            return true
        }
        guard ready, runuser.isRunning, ProcView.parent(of: pid) == runuser.pid else {
            throw ServerError(description: "postgres did not become ready: \(runuser.stderr)")
        }
        self.runuser = runuser
        postmasterPid = pid
        try runToCompletion(
            Self.binaries + "pg_isready", ["-h", socketDirectory, "-U", Self.user, "-t", "30"], scratch: scratch,
            label: "pg_isready")
    }

    /// The postmaster's current children: its background processes (checkpointer, walwriter, …,
    /// titled "postgres: NAME") and one backend per open connection ("postgres: USER DB [local] …").
    func backendPids() -> [Int32] { ProcView.children(of: postmasterPid) }

    /// The children serving a client connection.
    func clientBackendPids() -> [Int32] {
        backendPids().filter { ProcView.commandLine(of: $0).contains("[local]") }
    }

    /// `pgbench -i` on the first call, then `pgbench -t transactions -c clients` (`-C`: a new
    /// connection, so a new backend, for every transaction); `transactions` is per client, as
    /// pgbench's -t. Returns pgbench's output.
    @discardableResult
    func pgbench(transactions: Int, clients: Int, newConnectionPerTransaction: Bool = true) throws -> String {
        if !initialized {
            try runAsPostgres(Self.binaries + "pgbench", ["-i", "-q"], label: "pgbench-init")
            initialized = true
        }
        let options = (newConnectionPerTransaction ? ["-C"] : []) + ["-t", "\(transactions)", "-c", "\(clients)"]
        return try runAsPostgres(Self.binaries + "pgbench", options, label: "pgbench").stdout
    }

    /// `pg_ctl stop -m fast`; returns once the postmaster has exited (and runuser with it).
    func stop() throws {
        try runAsPostgres(
            Self.binaries + "pg_ctl", ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60"],
            label: "pg_ctl-stop", connects: false)
        guard runuser.exitStatus(within: 30) == 0 else {
            throw ServerError(description: "postgres did not stop cleanly: \(log)")
        }
    }

    @discardableResult
    private func runAsPostgres(_ executable: String, _ arguments: [String], label: String, connects: Bool = true)
        throws -> Child
    {
        let target = connects ? ["-h", socketDirectory, "-U", Self.user, Self.user] : []
        return try runToCompletion(
            "/usr/sbin/runuser", ["-u", Self.user, "--", executable] + arguments + target, scratch: scratch,
            label: label, within: 180)
    }

    /// Immediate shutdown (SIGQUIT: the postmaster ends and reaps its children), then SIGKILL for
    /// whatever is left. The postmaster is signalled only while it is still runuser's child, so a
    /// reused pid is never hit.
    deinit {
        guard runuser.isRunning else { return }
        if ProcView.parent(of: postmasterPid) == runuser.pid { kill(postmasterPid, SIGQUIT) }
        if !eventually(within: 10, { !runuser.isRunning }) {
            if ProcView.parent(of: postmasterPid) == runuser.pid {
                for child in backendPids() { kill(child, SIGKILL) }
                kill(postmasterPid, SIGKILL)
            }
            _ = runuser.exitStatus(within: 5)
        }
    }
}
