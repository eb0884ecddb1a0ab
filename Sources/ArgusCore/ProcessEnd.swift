/// How and when a process ended, and which source settled it.
public struct ProcessEnd: Sendable, Equatable {
    /// nil when no source could tell the status (messages lost, zombie already reaped).
    public var status: WaitStatus?
    /// CLOCK_MONOTONIC ns: the kernel's stamp on the last thread's exit, or when it was noticed.
    public var monotonicNs: UInt64
    /// "proc_connector", "wait", "pidfd", "proc_stat", "bpf" or "lost".
    public var source: String

    /// Settled without the kernel's own word for this process (its exit message or its wait
    /// status): from /proc after lost messages, the exit probe, or the pidfd alone. A wait status
    /// that arrives later may still correct it.
    public var isRecovered: Bool { source != "proc_connector" && source != "wait" }

    public init(status: WaitStatus?, monotonicNs: UInt64, source: String) {
        self.status = status
        self.monotonicNs = monotonicNs
        self.source = source
    }
}
