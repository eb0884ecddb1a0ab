/// How a process ended, decoded from a raw wait status (what `waitpid` returns and what the
/// proc connector's exit event carries: `exit(7)` is 0x700, a SIGKILL is 0x9, a core adds 0x80).
public struct WaitStatus: Sendable, Hashable, CustomStringConvertible {
    public let raw: UInt32

    public init(raw: UInt32) { self.raw = raw }

    public static func exited(_ code: Int) -> WaitStatus { WaitStatus(raw: UInt32(code & 0xff) << 8) }
    public static func signaled(_ signal: Int, coreDumped: Bool = false) -> WaitStatus {
        WaitStatus(raw: UInt32(signal & 0x7f) | (coreDumped ? 0x80 : 0))
    }

    /// The signal that killed the process, or nil when it exited by itself.
    public var signal: Int? {
        let low = Int(raw & 0x7f)
        return low == 0 || low == 0x7f ? nil : low
    }

    /// The status the process passed to exit(), when it exited by itself.
    public var exitStatus: Int? { signal == nil ? Int((raw >> 8) & 0xff) : nil }

    public var coreDumped: Bool { signal != nil && raw & 0x80 != 0 }

    /// What a shell and a CI system see: the exit status, or 128 + the signal.
    public var shellCode: Int { signal.map { 128 + $0 } ?? exitStatus ?? 0 }

    public var description: String {
        if let signal {
            let name = SignalName.of(signal)
            return "killed by \(name) (signal \(signal))\(coreDumped ? ", core dumped" : "")"
        }
        return "exit code: \(exitStatus ?? 0)"
    }
}

/// Conventional names of the Linux signals, for messages.
public enum SignalName {
    private static let names: [Int: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
        8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
        14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP",
        20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
        26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
    ]

    public static func of(_ signal: Int) -> String { names[signal] ?? "SIG\(signal)" }

    /// The signal a user names: "TERM", "SIGTERM", "term" or "15" (as kill(1) and timeout(1)
    /// take them); nil when it is none of the standard signals 1-31.
    public static func number(of text: String) -> Int? {
        if let number = Int(text) { return names[number] != nil ? number : nil }
        let upper = text.uppercased()
        let wanted = upper.hasPrefix("SIG") ? upper : "SIG" + upper
        return names.first { $0.value == wanted }?.key
    }
}
