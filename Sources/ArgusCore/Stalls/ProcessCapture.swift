/// One process of a tree as a timeout capture saw it (its threads are the snapshot's
/// `ThreadCapture`s with this `pid`). Everything /proc could not give is nil or empty.
public struct ProcessCapture: Sendable, Equatable {
    public var pid: Int32
    public var parentPID: Int32?
    /// The comm (/proc/PID/stat), which a kernel thread or a process without argv still has.
    public var name: String?
    /// /proc/PID/cmdline, split at the NULs; empty for a zombie or a kernel thread.
    public var argv: [String]
    /// readlink /proc/PID/cwd.
    public var cwd: String?
    /// The process's state letter (R, S, D, T, t, Z, ...).
    public var state: String?
    /// On-CPU time of the whole thread group, dead threads included (utime + stime).
    public var cpuNs: UInt64?
    /// Clock ticks after boot it started at (/proc/PID/stat field 22).
    public var startTicks: UInt64?
    /// The same instant on the wall clock, so "how long it ran" is the capture time minus this.
    public var started: WallTime?
    /// Its children now (/proc/PID/task/*/children).
    public var children: [Int32]
    /// Why its user-space stacks are missing or partial (eu-stack not installed, failed, timed
    /// out, or the capture's time budget ran out before it); nil when they were read whole.
    public var stackError: String?
    /// Why /proc could not be read for it at all (gone, or the budget ran out first); nil when
    /// it was read.
    public var captureError: String?

    public init(
        pid: Int32, parentPID: Int32? = nil, name: String? = nil, argv: [String] = [], cwd: String? = nil,
        state: String? = nil, cpuNs: UInt64? = nil, startTicks: UInt64? = nil, started: WallTime? = nil,
        children: [Int32] = [], stackError: String? = nil, captureError: String? = nil
    ) {
        self.pid = pid
        self.parentPID = parentPID
        self.name = name
        self.argv = argv
        self.cwd = cwd
        self.state = state
        self.cpuNs = cpuNs
        self.startTicks = startTicks
        self.started = started
        self.children = children
        self.stackError = stackError
        self.captureError = captureError
    }
}
