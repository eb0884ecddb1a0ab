import ArgusKernel
import Glibc
import Testing

/// A `sleep 30` child that is asleep in its nanosleep once made: its state S and its CPU clock
/// unchanged over 20 ms (a thread shows S from the moment it sets its sleeping state, a little
/// before it leaves the CPU). Killed and reaped by `end()`.
struct IdleChild {
    let pid: pid_t

    /// Spawns it and waits (up to 5 s) until it sleeps.
    init() throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sleep", "30"].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        try #require(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        self.pid = pid
        guard waitUntilAsleep() else {
            end()
            throw IdleChildError.neverSlept
        }
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
    /// leaving the CPU of its own accord. Returns once it sleeps again.
    func stopAndContinue() throws {
        kill(pid, SIGSTOP)
        try #require(waitForState("T"))
        kill(pid, SIGCONT)
        try #require(waitUntilAsleep())
    }

    /// Kills and reaps it.
    func end() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    private func waitUntilAsleep() -> Bool {
        guard let clock = ProcessCPUClock(pid: pid) else { return false }
        for _ in 0..<250 {
            let before = clock.nanoseconds()
            usleep(20_000)
            if ProcessReader.stat(pid)?.state == "S", before != nil, clock.nanoseconds() == before { return true }
        }
        return false
    }
}

enum IdleChildError: Error {
    case neverSlept
}
