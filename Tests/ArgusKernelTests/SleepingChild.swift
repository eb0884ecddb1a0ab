import ArgusKernel
import Glibc
import Testing

/// A `sleep 30` child, asleep in its nanosleep (not still starting) once made; killed and
/// reaped by `end()`.
struct SleepingChild {
    let pid: pid_t

    init() throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sleep", "30"].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        try #require(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        self.pid = pid
        try #require(waitForState("S"))
    }

    /// Waits (up to 5 s) until /proc/PID/stat shows the state.
    func waitForState(_ state: Character) -> Bool {
        for _ in 0..<500 {
            if ProcessReader.stat(pid)?.state == state { return true }
            usleep(10_000)
        }
        return false
    }

    /// Stops it and lets it go on: it runs twice (to stop, then to sleep again), each time
    /// leaving the CPU of its own accord.
    func stopAndContinue() throws {
        kill(pid, SIGSTOP)
        try #require(waitForState("T"))
        kill(pid, SIGCONT)
        try #require(waitForState("S"))
    }

    func end() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
