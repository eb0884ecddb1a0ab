import ArgusCore
import ArgusKernel
import Glibc
import Testing

/// Captures of real process trees (root: kernel stacks and ptrace of any process).
@Suite(.enabled(if: geteuid() == 0, "kernel stacks and eu-stack need root"))
struct TreeCaptureLiveTests {
    /// A running child that stays until the test ends: killed (with what it started) and reaped.
    final class Child {
        let pid: Int32
        /// The write end of its stdin, when it reads one.
        let stdin: Int32

        init(_ arguments: [String], withStdin: Bool = false) throws {
            var ends: [Int32] = [-1, -1]
            if withStdin { #expect(pipe(&ends) == 0) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            if withStdin {
                posix_spawn_file_actions_adddup2(&actions, ends[0], 0)
                posix_spawn_file_actions_addclose(&actions, ends[1])
            }
            let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            let code = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
            if withStdin { close(ends[0]) }
            guard code == 0 else { throw Errno(rawValue: code) }
            self.pid = pid
            stdin = ends[1]
        }

        deinit {
            // The parent first, so a shell does not report its children's deaths.
            let children = ProcFS.read("/proc/\(pid)/task/\(pid)/children")?.split(separator: " ") ?? []
            kill(pid, SIGKILL)
            for child in children { if let child = Int32(child) { kill(child, SIGKILL) } }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            if stdin >= 0 { close(stdin) }
        }
    }

    /// Polls until `condition` holds (at most 5 s).
    func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    func sleepingTree() throws -> Child {
        let shell = try Child(["/bin/sh", "-c", "/bin/sleep 30 & /bin/sleep 31; wait"])
        #expect(
            eventually {
                let children = ProcFS.read("/proc/\(shell.pid)/task/\(shell.pid)/children")?.split(separator: " ") ?? []
                return children.count == 2
                    && children.allSatisfy { ProcFS.read("/proc/\($0)/cmdline")?.hasPrefix("/bin/sleep") == true }
                    && ProcFS.read("/proc/\(shell.pid)/wchan").map { $0 != "0" } == true
            })
        return shell
    }

    /// The sampler carries a sleeping thread's wchan over while it has not run since, and reads
    /// it again once it has: the shell's wait moves from its read to its child's end.
    @Test func aSampledThreadsWaitChannelFollowsItIntoItsNextWait() throws {
        let shell = try Child(["/bin/sh", "-c", "read line; /bin/sleep 30"], withStdin: true)
        let sampler = ThreadSampler(pid: shell.pid)
        func wchan() -> String? { sampler.sample().first { $0.tid == shell.pid }?.wchan }
        #expect(eventually { (wchan() ?? "do_wait") != "do_wait" })
        let reading = try #require(wchan())
        #expect(wchan() == reading)
        #expect(write(shell.stdin, "go\n", 3) == 3)
        #expect(eventually { wchan() == "do_wait" })
    }

    @Test func everyProcessOfATreeIsThereWithItsThreadsAndStacks() throws {
        let shell = try sleepingTree()
        let result = TreeCapture.capture(pids: [shell.pid], budgetNs: 10_000_000_000, userStacks: true)

        #expect(result.processes.count == 3)
        #expect(result.notCaptured.isEmpty)
        let root = try #require(result.processes.first)
        #expect(root.pid == shell.pid)
        #expect(root.argv == ["/bin/sh", "-c", "/bin/sleep 30 & /bin/sleep 31; wait"])
        #expect(root.parentPID == getpid())
        #expect(root.cwd == ProcFS.link("/proc/self/cwd"))
        #expect(root.children.count == 2)
        #expect(root.state == "S")
        let sleeps = result.processes.dropFirst()
        #expect(Set(sleeps.map(\.pid)) == Set(root.children))
        #expect(Set(sleeps.map(\.argv)) == [["/bin/sleep", "30"], ["/bin/sleep", "31"]])
        for process in result.processes {
            #expect(process.parentPID == (process.pid == root.pid ? getpid() : root.pid))
            #expect(process.startTicks != nil)
            let started = try #require(process.started)
            // Started within the last minute, not in the future.
            #expect(started <= result.time && result.time.nanoseconds - started.nanoseconds < 60_000_000_000)
        }
        #expect(Set(result.threads.compactMap(\.pid)) == Set(result.processes.map(\.pid)))
        for thread in result.threads {
            #expect(thread.kernelStack?.isEmpty == false, "\(thread.tid) has no kernel stack")
        }
        if UserStackReader.locate() != nil {
            #expect(result.userStacksUnavailable == nil)
            for process in sleeps {
                #expect(process.stackError == nil, "\(process.stackError ?? "")")
                let stack = result.threads.first { $0.pid == process.pid }?.userStack ?? ""
                #expect(stack.contains("nanosleep"), "\(stack)")
            }
            // Nothing is left stopped by eu-stack.
            for process in result.processes {
                #expect(ProcFS.read("/proc/\(process.pid)/stat").flatMap(ProcStat.init(parsing:))?.state == "S")
            }
        } else {
            #expect(result.userStacksUnavailable == UserStackReader.notInstalled)
            #expect(result.processes.allSatisfy { $0.stackError == UserStackReader.notInstalled })
        }
    }

    /// The testee's main thread waits in `gate` (reading stdin): its user stack names it.
    @Test(.enabled(if: UserStackReader.locate() != nil, "eu-stack is not installed"))
    func aUserStackNamesTheFunctionTheThreadWaitsIn() throws {
        let directory = (ProcFS.link("/proc/self/exe") ?? "").split(separator: "/").dropLast().joined(separator: "/")
        let testee = "/" + directory + "/argus-testee"
        try #require(access(testee, X_OK) == 0, "no \(testee)")
        let child = try Child([testee, "gate", "exit", "0"], withStdin: true)
        // Blocked in its read of stdin (syscall 0), not only asleep somewhere on its way there: a
        // wchan read while the testee was still starting once let the capture find it running.
        #expect(eventually { ProcFS.read("/proc/\(child.pid)/syscall")?.hasPrefix("0 ") == true })
        let result = TreeCapture.capture(pids: [child.pid])
        let main = try #require(result.threads.first { $0.tid == child.pid })
        let stack = main.userStack ?? ""
        #expect(stack.contains("4gate"), "\(stack)")
        #expect(main.syscall?.hasPrefix("0 ") == true, "\(main.syscall ?? "")")  // read(2) is syscall 0
    }

    @Test func aTinyBudgetSaysWhatItSkipped() throws {
        let shell = try sleepingTree()
        let start = Clocks.monotonicNs()
        let result = TreeCapture.capture(pids: [shell.pid, 999_999_999], budgetNs: 1_000_000, userStacks: true)
        #expect(Clocks.monotonicNs() - start < 500_000_000)
        #expect(result.processes.first?.pid == shell.pid)
        #expect(result.processes.contains { $0.pid == 999_999_999 && $0.captureError != nil })
        for process in result.processes {
            // Each is either not read at all, or read without user stacks: said either way.
            #expect(process.captureError != nil || process.stackError != nil)
        }
        #expect(!(result.notCaptured + result.stacksSkipped).isEmpty)
        if UserStackReader.locate() != nil {
            #expect(result.processes.allSatisfy { $0.captureError != nil || $0.stackError == TreeCapture.budgetSpent })
        }
    }

    @Test func withoutUserStacksNoEuStackRuns() throws {
        let shell = try sleepingTree()
        let result = TreeCapture.capture(pids: [shell.pid], userStacks: false)
        #expect(result.processes.count == 3)
        #expect(result.threads.allSatisfy { $0.userStack == nil })
        #expect(result.userStacksUnavailable != nil)
        #expect(result.elapsedNs < 1_000_000_000)
    }
}
