import ArgusCore
import ArgusKernel

/// One process of the tree when the time ran out: what it ran, how long, where it was blocked.
struct TimeoutProcess: Sendable {
    var pid: Int32
    var parentPid: Int32
    var command: String
    /// How long it had run at the deadline (filled in by the loop, which knows its start).
    var ranNs: UInt64?
    var state: String
    /// Where its main thread waited in the kernel.
    var wchan: String?
    /// Its main thread's top user-space frames, when they could be read.
    var frames: [String]
    var threads: [ThreadCapture]
}

/// The whole tree as captured, and what could not be done.
struct CapturedTree: Sendable {
    var processes: [TimeoutProcess]
    var note: String?
}

/// Captures what every process of the tree is doing, on a worker thread, within a budget.
enum TimeoutCapture {
    static func capture(_ pids: [Int32], budgetNs: UInt64) -> CapturedTree {
        let deadline = Clocks.monotonicNs() + budgetNs
        var processes: [TimeoutProcess] = []
        var skipped = 0
        for pid in pids {
            guard Clocks.monotonicNs() < deadline else {
                skipped += 1
                continue
            }
            guard let stat = ProcessReader.stat(pid) else { continue }
            let threads = ThreadSampler.capture(pid: pid)
            let command = ProcessReader.commandLine(pid).argv?.joined(separator: " ") ?? stat.comm
            let main = threads.first { $0.tid == pid } ?? threads.first
            processes.append(
                TimeoutProcess(
                    pid: pid, parentPid: stat.ppid, command: command, ranNs: nil, state: String(stat.state),
                    wchan: main?.wchan, frames: [], threads: threads))
        }
        return CapturedTree(
            processes: processes,
            note: skipped > 0 ? "\(skipped) process(es) not captured within \(Format.duration(budgetNs))" : nil)
    }
}
