import ArgusCore

/// What a helper program run by `ProcessControl.run(_:timeoutNs:)` left behind.
public struct ProgramOutput: Sendable, Equatable {
    /// Its wait status; nil when it is unknown: another thread's waitpid(-1) reaped it first
    /// (ECHILD), or it was still not gone after SIGKILL.
    public var status: WaitStatus?
    /// Its standard output and standard error, each cut at the run's `outputLimit` bytes.
    public var output: [UInt8]
    public var errorOutput: [UInt8]
    /// It was still running at the deadline and was killed with SIGKILL.
    public var timedOut: Bool
    /// How long it ran, from spawn to end of output.
    public var elapsedNs: UInt64

    public init(status: WaitStatus?, output: [UInt8], errorOutput: [UInt8], timedOut: Bool, elapsedNs: UInt64) {
        self.status = status
        self.output = output
        self.errorOutput = errorOutput
        self.timedOut = timedOut
        self.elapsedNs = elapsedNs
    }

    public var outputText: String { String(decoding: output, as: UTF8.self) }
    public var errorText: String { String(decoding: errorOutput, as: UTF8.self) }
}
