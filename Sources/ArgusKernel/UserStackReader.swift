import ArgusCore
import Glibc

/// User-space stacks of one process's threads, read by running `eu-stack -m -n N -p PID`
/// (Debian's elfutils), which attaches with ptrace, unwinds every thread and detaches.
public enum UserStackReader {
    /// What is said when there is no eu-stack to run.
    public static let notInstalled = "eu-stack not installed (apt-get install elfutils)"

    /// Each thread's top frames as text (one eu-stack frame line per line), and why some or
    /// all are missing: eu-stack's own error lines, a timeout, or no frames at all.
    public struct Outcome: Sendable, Equatable {
        public var stacks: [Int32: String]
        public var error: String?
    }

    /// The eu-stack executable: the first in PATH, else /usr/bin/eu-stack; nil when none is
    /// executable (access(2) with X_OK).
    public static func locate() -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/eu-stack" } + ["/usr/bin/eu-stack"]
        return candidates.first { access($0, X_OK) == 0 }
    }

    /// Runs eu-stack on `pid` for at most `timeoutNs` (killed with SIGKILL after). A process
    /// that eu-stack left stopped (killed while it was attached, before it could detach and
    /// resume it) is sent SIGCONT, unless it was stopped before.
    public static func read(pid: Int32, executable: String, timeoutNs: UInt64, maxFrames: Int) -> Outcome {
        let stoppedBefore = isStopped(pid)
        let run: ProgramOutput
        do {
            run = try ProcessControl.run(
                executable, arguments: ["eu-stack", "-m", "-n", String(maxFrames), "-p", String(pid)],
                timeoutNs: timeoutNs,
                outputLimit: 4 << 20)
        } catch {
            return Outcome(stacks: [:], error: "eu-stack could not start: \(error)")
        }
        if !stoppedBefore && isStopped(pid) { ProcessControl.signal(pid, SIGCONT) }
        let stacks = UserStackText(parsing: run.outputText, maxFrames: maxFrames).stacks
        return Outcome(stacks: stacks, error: error(of: run, framesFound: !stacks.isEmpty))
    }

    /// Why the stacks are missing or partial, in one line; nil when eu-stack read them all.
    static func error(of run: ProgramOutput, framesFound: Bool) -> String? {
        if run.timedOut {
            return "eu-stack did not finish within \(run.elapsedNs / 1_000_000) ms and was killed"
        }
        // Cutting the stack at -n frames is what was asked for, not an error.
        let lines = run.errorText.split(separator: "\n").map(String.init).filter {
            !$0.isEmpty && !$0.contains("shown max number of frames")
        }
        if !lines.isEmpty { return lines.joined(separator: "; ") }
        if !framesFound {
            return "eu-stack printed no frames" + (run.status.map { " (\($0))" } ?? "")
        }
        return nil
    }

    private static func isStopped(_ pid: Int32) -> Bool {
        guard let state = ProcFS.read("/proc/\(pid)/stat").flatMap(ProcStat.init(parsing:))?.state else { return false }
        return state == "T" || state == "t"
    }
}
