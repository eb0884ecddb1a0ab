/// One event from the kernel about a thread or process, as the proc connector reports it.
public struct ProcEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A new thread (`childPid != childTgid`) or a new process (`childPid == childTgid`).
        /// For a new thread the kernel names the process's parent, not the creating thread.
        case fork(parentPid: Int32, parentTgid: Int32, childPid: Int32, childTgid: Int32)
        case exec(pid: Int32, tgid: Int32)
        /// One thread ended. The process ends when its last thread does.
        case exit(pid: Int32, tgid: Int32, status: WaitStatus, parentTgid: Int32)
        case comm(pid: Int32, tgid: Int32, name: String)
        case coreDump(pid: Int32, tgid: Int32)
        /// The kernel's answer to a subscription: 0 when it took.
        case acknowledgement(error: UInt32)
        case other
    }

    /// CLOCK_MONOTONIC nanoseconds at which the kernel sent the event.
    public let monotonicNs: UInt64
    public let kind: Kind

    public init(monotonicNs: UInt64, kind: Kind) {
        self.monotonicNs = monotonicNs
        self.kind = kind
    }
}
