import ArgusCore
import CArgusLinux
import Glibc

/// Starting, signalling and reaping child processes.
public enum ProcessControl {
    /// prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are re-parented to this process, so it
    /// reaps them and learns their exact wait status.
    public static func becomeSubreaper() throws(Errno) {
        try SystemCall.negativeErrno { argus_set_child_subreaper(1) }
    }

    /// posix_spawnp(3): runs `arguments[0]` (searched in PATH) with `arguments`, sharing stdin,
    /// stdout and stderr, with no signal blocked and SIGPIPE/SIGINT/SIGTERM/SIGHUP/SIGCHLD at
    /// their default action. glibc reports a failed exec (ENOENT, EACCES) as the error here.
    public static func spawn(_ arguments: [String]) throws(Errno) -> Int32 {
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = withChildAttributes { attributes in
            posix_spawnp(&pid, arguments[0], nil, attributes, argv, environ)
        }
        guard code == 0 else { throw Errno(rawValue: code) }
        return pid
    }

    /// posix_spawnattr_init(3) and friends: attributes for a child with no signal blocked and
    /// SIGPIPE/SIGINT/SIGTERM/SIGHUP/SIGCHLD/SIGQUIT at their default action (whatever this
    /// process blocks or ignores), destroyed after `body`.
    static func withChildAttributes<Result>(_ body: (UnsafePointer<posix_spawnattr_t>) -> Result) -> Result {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return body(&attributes)
    }

    /// waitpid(-1, WNOHANG) until nothing more is ready: every child (and adopted orphan) that
    /// ended, with its wait status.
    public static func reapAll() -> [(pid: Int32, status: WaitStatus)] {
        var reaped: [(pid: Int32, status: WaitStatus)] = []
        while true {
            var status: Int32 = 0
            // ECHILD (no child left) and 0 (none ready) both end the round.
            guard let pid = try? SystemCall.retrying({ waitpid(-1, &status, WNOHANG) }), pid > 0 else { return reaped }
            reaped.append((pid, WaitStatus(raw: UInt32(bitPattern: status))))
        }
    }

    /// kill(2). False when the process is already gone.
    @discardableResult
    public static func signal(_ pid: Int32, _ signal: Int32) -> Bool {
        kill(pid, signal) == 0
    }

    /// The process group of this process.
    public static var processGroup: Int32 { getpgrp() }

    /// getpgid(2) of `pid`; nil when it is gone.
    public static func processGroup(of pid: Int32) -> Int32? {
        let group = getpgid(pid)
        return group < 0 ? nil : group
    }

    /// getpid(2).
    public static var currentPID: Int32 { getpid() }

    /// Ends argus-trace with `status` (exit(3): stdio is flushed, atexit handlers run).
    public static func exit(_ status: Int32) -> Never { Glibc.exit(status) }
}
