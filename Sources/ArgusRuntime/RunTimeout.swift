import ArgusCore
import ArgusKernel

/// One process of the tree when the time ran out, as the summary and reports show it: a view
/// of the capture, derived from it, never stored.
struct TimeoutProcess {
    var pid: Int32
    var parentPid: Int32
    var command: String
    /// How long it had run when it was captured.
    var ranNs: UInt64?
    var state: String
    /// Where its main thread waited in the kernel.
    var wchan: String?
    /// Its main thread's top user-space frames, when they could be read.
    var frames: [String]
    var threads: [ThreadCapture]
}

/// What was running when the time ran out: the capture itself (stored as a `timeout` stall's
/// snapshot), and views of it for the summary and reports.
struct RunTimeout {
    var afterNs: UInt64
    var capture: TreeCaptureResult

    var at: WallTime { capture.time }

    /// The processes that could be read, each with its threads.
    var processes: [TimeoutProcess] {
        let threadsByPid = Dictionary(grouping: capture.threads, by: { $0.pid ?? 0 })
        return capture.processes.filter { $0.captureError == nil }.map { process in
            let threads = threadsByPid[process.pid] ?? []
            let main = threads.first { $0.tid == process.pid } ?? threads.first
            let frames = (main?.userStack ?? "").split(separator: "\n").prefix(8).map { UserFrames.short(String($0)) }
            return TimeoutProcess(
                pid: process.pid, parentPid: process.parentPID ?? 0,
                command: process.argv.isEmpty ? (process.name ?? "?") : process.argv.joined(separator: " "),
                ranNs: process.started.map { UInt64(max(capture.time.nanoseconds - $0.nanoseconds, 0)) },
                state: process.state ?? "?", wchan: main?.wchan, frames: frames, threads: threads)
        }
    }

    /// What the capture could not do (no eu-stack, out of time), said once; nil when nothing.
    var note: String? {
        var notes: [String] = []
        if let missing = capture.userStacksUnavailable { notes.append(missing) }
        if !capture.notCaptured.isEmpty {
            notes.append("\(capture.notCaptured.count) process(es) not captured in time or gone")
        }
        if !capture.stacksSkipped.isEmpty {
            notes.append("no time left for the user stacks of \(capture.stacksSkipped.count) process(es)")
        }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
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
