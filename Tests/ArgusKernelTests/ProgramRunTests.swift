import ArgusCore
import ArgusKernel
import Glibc
import Synchronization
import Testing

/// ProcessControl.run: a helper program's output through pipes, with a deadline.
@Suite struct ProgramRunTests {
    @Test func outputAndErrorsAndStatusComeBackSeparately() throws {
        let result = try ProcessControl.run(
            "/bin/sh", arguments: ["sh", "-c", "echo out; echo err >&2; exit 3"], timeoutNs: 5_000_000_000)
        #expect(result.outputText == "out\n")
        #expect(result.errorText == "err\n")
        #expect(result.status?.exitStatus == 3)
        #expect(!result.timedOut)
    }

    @Test func aProgramPastItsDeadlineIsKilled() throws {
        let start = Clocks.monotonicNs()
        let result = try ProcessControl.run(
            "/bin/sh", arguments: ["sh", "-c", "echo early; exec sleep 30"], timeoutNs: 300_000_000)
        #expect(result.timedOut)
        #expect(result.outputText == "early\n")
        #expect(result.status?.signal == Int(SIGKILL))
        #expect(Clocks.monotonicNs() - start < 2_000_000_000)
    }

    @Test func outputBeyondTheLimitIsCutNotBlocking() throws {
        let result = try ProcessControl.run(
            "/bin/sh", arguments: ["sh", "-c", "head -c 300000 /dev/zero"], timeoutNs: 5_000_000_000, outputLimit: 1000)
        #expect(result.output.count == 1000)
        #expect(result.status?.exitStatus == 0)
    }

    @Test func aMissingProgramIsAnError() {
        #expect(throws: Errno.noSuchFile) {
            try ProcessControl.run("/nonexistent/program", arguments: ["x"], timeoutNs: 1_000_000_000)
        }
    }

    /// As in `run` mode: another thread reaps the helper as soon as it ends, before `run` can.
    @Test func aProgramReapedByAnotherThreadStillGivesItsOutput() throws {
        // A uniquely named link, so the reaper takes this test's children and no other test's.
        let link = "/tmp/argus-reaped-\(getpid())"
        unlink(link)
        #expect(symlink("/bin/echo", link) == 0)
        defer { unlink(link) }
        let reaper = ReaperThread.start()
        defer { reaper.stop() }
        for _ in 0..<20 {
            let result = try ProcessControl.run(link, arguments: ["echo", "hello"], timeoutNs: 5_000_000_000)
            #expect(result.outputText == "hello\n")
            #expect(!result.timedOut)
        }
        #expect(reaper.reaped.load(ordering: .relaxed) > 0)
    }
}

/// A thread that reaps the test's helpers as they end, like `run`'s event loop with its
/// waitpid(-1, WNOHANG).
private final class ReaperThread: Sendable {
    private let stopped = Atomic(false)
    private let thread = Atomic<UInt>(0)
    /// How many children it reaped before `run` could.
    let reaped = Atomic(0)

    static func start() -> ReaperThread {
        let reaper = ReaperThread()
        let body: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { raw in
            let reaper = Unmanaged<ReaperThread>.fromOpaque(raw!).takeRetainedValue()
            while !reaper.stopped.load(ordering: .relaxed) {
                // Peek (WNOWAIT) at the first child that ended; reap it only when it is ours.
                var info = siginfo_t()
                if waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 {
                    let pid = info._sifields._sigchld.si_pid
                    if pid > 0, ProcFS.read("/proc/\(pid)/comm")?.hasPrefix("argus-reaped") == true {
                        var status: Int32 = 0
                        if waitpid(pid, &status, WNOHANG) == pid { reaper.reaped.add(1, ordering: .relaxed) }
                    }
                }
                usleep(50)
            }
            return nil
        }
        var thread = pthread_t()
        pthread_create(&thread, nil, body, Unmanaged.passRetained(reaper).toOpaque())
        reaper.thread.store(UInt(thread), ordering: .relaxed)
        return reaper
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        pthread_join(pthread_t(thread.load(ordering: .relaxed)), nil)
    }
}
