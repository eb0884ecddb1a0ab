/// How and when a process ended, and which source settled it.
public struct ProcessEnd: Sendable, Equatable {
    /// nil when no source could tell the status (messages lost, zombie already reaped).
    public var status: WaitStatus?
    /// CLOCK_MONOTONIC ns: the kernel's stamp on the last thread's exit, or when it was noticed.
    public var monotonicNs: UInt64
    /// "proc_connector", "wait", "pidfd", "proc_stat", "bpf" or "lost".
    public var source: String

    public init(status: WaitStatus?, monotonicNs: UInt64, source: String) {
        self.status = status
        self.monotonicNs = monotonicNs
        self.source = source
    }
}
