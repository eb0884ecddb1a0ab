import ArgusKernel
import Glibc
import Testing

/// A sample of an idle process reads its switches, I/O and fd count again only once its CPU
/// clock moved.
struct ProcessActivityTests {
    /// A shell that opens one more descriptor each time it is let go on, and stops itself after.
    @Test func theFdCountIsReadAgainOnlyOnceTheClockMoved() throws {
        var pid: pid_t = 0
        // Descriptor 4 closed first: one the test process left open without O_CLOEXEC would
        // be inherited, and `exec 4<` would then replace it, not add one.
        let script = "exec 4<&-; exec 3</dev/null; kill -STOP $$; exec 4</dev/null; kill -STOP $$; exec sleep 30"
        let argv: [UnsafeMutablePointer<CChar>?] =
            ["/bin/sh", "-c", script].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        try #require(posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0)
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        /// Waits (up to 5 s) until it stopped itself with descriptor `fd` open.
        func stopped(holding fd: Int) -> Bool {
            for _ in 0..<500 {
                if ProcessReader.stat(pid)?.state == "T", access("/proc/\(pid)/fd/\(fd)", F_OK) == 0 { return true }
                usleep(10_000)
            }
            return false
        }
        try #require(stopped(holding: 3))
        let files = ProcessFiles(pid: pid)
        let before = try #require(files.activity(cpuNs: 42, soleThread: true).openFds)
        kill(pid, SIGCONT)
        try #require(stopped(holding: 4))
        #expect(files.activity(cpuNs: 42, soleThread: true).openFds == before)
        #expect(files.activity(cpuNs: 43, soleThread: true).openFds == before + 1)
    }

    @Test func switchesAreReadAgainOnlyOnceTheClockMoved() throws {
        let child = try IdleChild()
        defer { child.end() }
        let files = ProcessFiles(pid: child.pid)
        let first = try #require(files.activity(cpuNs: 42, soleThread: true).switches?.voluntary)
        try child.stopAndContinue()
        #expect(files.activity(cpuNs: 42, soleThread: true).switches?.voluntary == first)
        let moved = try #require(files.activity(cpuNs: 43, soleThread: true).switches?.voluntary)
        #expect(moved > first)
        // Without an ns clock, read every time.
        #expect(files.activity(cpuNs: nil, soleThread: true).switches?.voluntary == moved)
        try child.stopAndContinue()
        #expect(try #require(files.activity(cpuNs: nil, soleThread: true).switches?.voluntary) > moved)
        // A process with several threads: the leader's switches are not its own, not read.
        #expect(files.activity(cpuNs: 44, soleThread: false).switches == nil)
        #expect(files.activity(cpuNs: 44, soleThread: false).io != nil)
    }

    /// With the process's real clock: the runs that stopping and continuing it take move the
    /// clock, and the next sample has their switches.
    @Test func aSampleAfterTheProcessRanHasItsNewSwitches() throws {
        let child = try IdleChild()
        defer { child.end() }
        let files = ProcessFiles(pid: child.pid)
        let before = try #require(ProcessReader.read(files))
        #expect(before.cpuFromClock)
        try child.stopAndContinue()
        let after = try #require(ProcessReader.read(files))
        #expect(after.cpuTimeNs > before.cpuTimeNs)
        #expect((after.voluntarySwitches ?? 0) > (before.voluntarySwitches ?? .max))
    }
}
