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
    /// The capture as the store keeps it (a `timeout` stall's snapshot).
    var capture: TreeCaptureResult
}

/// Captures what every process of the tree is doing, on a worker thread, within a budget: /proc
/// for every process and thread, then user stacks through eu-stack (TreeCapture).
enum TimeoutCapture {
    static func capture(_ pids: [Int32], budgetNs: UInt64) -> CapturedTree {
        let result = TreeCapture.capture(pids: pids, budgetNs: budgetNs)
        let threadsByPid = Dictionary(grouping: result.threads, by: { $0.pid ?? 0 })
        let processes = result.processes.filter { $0.captureError == nil }.map { process -> TimeoutProcess in
            let threads = threadsByPid[process.pid] ?? []
            let main = threads.first { $0.tid == process.pid } ?? threads.first
            let frames = (main?.userStack ?? "").split(separator: "\n").prefix(8).map { UserFrames.short(String($0)) }
            return TimeoutProcess(
                pid: process.pid, parentPid: process.parentPID ?? 0,
                command: process.argv.isEmpty ? (process.name ?? "?") : process.argv.joined(separator: " "),
                ranNs: nil, state: process.state ?? "?", wchan: main?.wchan, frames: frames, threads: threads)
        }
        var notes: [String] = []
        if let missing = result.userStacksUnavailable { notes.append(missing) }
        if !result.notCaptured.isEmpty {
            notes.append("\(result.notCaptured.count) process(es) not captured in time or gone")
        }
        if !result.stacksSkipped.isEmpty {
            notes.append("no time left for the user stacks of \(result.stacksSkipped.count) process(es)")
        }
        return CapturedTree(
            processes: processes, note: notes.isEmpty ? nil : notes.joined(separator: "; "), capture: result)
    }
}

/// User-space frames as people read them in a summary line.
enum UserFrames {
    /// "#0  0x00007f... clock_nanosleep@GLIBC_2.2.5 - /usr/lib/.../libc.so.6" becomes
    /// "clock_nanosleep"; a frame without a symbol keeps its object's name.
    static func short(_ frame: String) -> String {
        let words = frame.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 3 else { return frame }
        let symbol = words[2]
        if symbol == "-" {
            return "?? (" + (words.last.map { String($0.split(separator: "/").last ?? $0) } ?? "?") + ")"
        }
        return String(symbol.split(separator: "@").first ?? symbol)
    }
}
