import ArgusCore
import Glibc

/// Everything about a process tree at one moment, for `run --timeout`: taken on a worker
/// thread when the deadline hits, before the tree is signalled. First every process's /proc
/// state (so the picture is not disturbed by ptrace), then each process's user-space stacks with
/// eu-stack, all within one time budget. Uses no state shared with the event loop.
public enum TreeCapture {
    /// The whole capture stops after this long unless told otherwise.
    public static let defaultBudgetNs: UInt64 = 10_000_000_000
    /// One eu-stack run is killed after this long (1 thread takes ~20 ms here, 8 threads ~80 ms).
    public static let defaultStackTimeoutNs: UInt64 = 2_000_000_000
    /// Frames kept per thread (innermost first).
    public static let defaultMaxFrames = 32
    /// eu-stack is not started with less than this left of the budget.
    static let minimumStackTimeNs: UInt64 = 10_000_000
    /// What a process's `stackError` or `captureError` says when the budget ran out first.
    public static let budgetSpent = "not read: the capture's time budget ran out"

    /// Captures `pids` and every descendant found through their children files. Never takes
    /// (much) longer than `budgetNs`: a process reached after it is listed with
    /// `captureError`; user stacks the budget leaves no time for get `stackError`.
    public static func capture(
        pids: [Int32], budgetNs: UInt64 = defaultBudgetNs, userStacks: Bool = true,
        stackTimeoutNs: UInt64 = defaultStackTimeoutNs, maxFrames: Int = defaultMaxFrames, maxThreads: Int = 256
    ) -> TreeCaptureResult {
        let time = WallTime(nanoseconds: Clocks.realtimeNs())
        let start = Clocks.monotonicNs()
        let deadline = start.addingReportingOverflow(budgetNs).overflow ? UInt64.max : start + budgetNs

        var processes: [ProcessCapture] = []
        var threads: [ThreadCapture] = []
        var kernelThreads: Set<Int32> = []
        var queue: [Int32] = []
        var seen: Set<Int32> = []
        for pid in pids where seen.insert(pid).inserted { queue.append(pid) }
        var next = 0
        while next < queue.count {
            let pid = queue[next]
            next += 1
            guard Clocks.monotonicNs() < deadline else {
                processes.append(ProcessCapture(pid: pid, captureError: budgetSpent))
                continue
            }
            guard let read = ProcessSnapshotReader.read(pid: pid, maxThreads: maxThreads) else {
                processes.append(ProcessCapture(pid: pid, captureError: "gone before it could be read"))
                continue
            }
            processes.append(read.process)
            threads += read.threads
            if read.isKernelThread { kernelThreads.insert(pid) }
            for child in read.process.children where seen.insert(child).inserted { queue.append(child) }
        }

        var unavailable: String? = userStacks ? nil : "user stacks were not asked for"
        if userStacks {
            if let executable = UserStackReader.locate() {
                addUserStacks(
                    to: &processes, threads: &threads, executable: executable, kernelThreads: kernelThreads,
                    deadline: deadline, stackTimeoutNs: stackTimeoutNs, maxFrames: maxFrames)
            } else {
                unavailable = UserStackReader.notInstalled
                for index in processes.indices where processes[index].captureError == nil {
                    processes[index].stackError = UserStackReader.notInstalled
                }
            }
        }
        return TreeCaptureResult(
            time: time, processes: processes, threads: threads, userStacksUnavailable: unavailable, budgetNs: budgetNs,
            elapsedNs: Clocks.monotonicNs() - start)
    }

    /// One eu-stack run per process read, one after another, each within what is left.
    private static func addUserStacks(
        to processes: inout [ProcessCapture], threads: inout [ThreadCapture], executable: String,
        kernelThreads: Set<Int32>, deadline: UInt64, stackTimeoutNs: UInt64, maxFrames: Int
    ) {
        let me = ProcessControl.currentPID
        for index in processes.indices where processes[index].captureError == nil {
            let pid = processes[index].pid
            if pid == me {
                processes[index].stackError = "argus-trace itself: not unwound"
                continue
            }
            if kernelThreads.contains(pid) {
                processes[index].stackError = "a kernel thread: no user-space stack"
                continue
            }
            if processes[index].state == "Z" {
                processes[index].stackError = "a zombie: no user-space stack"
                continue
            }
            let now = Clocks.monotonicNs()
            guard now < deadline, deadline - now >= minimumStackTimeNs else {
                processes[index].stackError = budgetSpent
                continue
            }
            let outcome = UserStackReader.read(
                pid: pid, executable: executable, timeoutNs: min(stackTimeoutNs, deadline - now), maxFrames: maxFrames)
            processes[index].stackError = outcome.error
            for thread in threads.indices where threads[thread].pid == pid {
                threads[thread].userStack = outcome.stacks[threads[thread].tid]
            }
        }
    }
}
