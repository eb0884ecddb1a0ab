import ArgusCore

/// What `TreeCapture.capture` saw: every process asked for (and every descendant found), each
/// thread of them, and what could not be read in time.
public struct TreeCaptureResult: Sendable, Equatable {
    /// When the capture began (wall clock).
    public var time: WallTime
    /// One entry per process, in the order asked for, descendants found on the way after them.
    /// One that could not be read has only its pid and `captureError`.
    public var processes: [ProcessCapture]
    /// Every thread of every process read, with its `pid`, kernel state and stacks, and its
    /// user-space stack when eu-stack read it.
    public var threads: [ThreadCapture]
    /// Why no process has user-space stacks (eu-stack not installed, or not asked for); nil
    /// when eu-stack ran. Each process's `stackError` says so too.
    public var userStacksUnavailable: String?
    public var budgetNs: UInt64
    /// How long the capture took.
    public var elapsedNs: UInt64

    public init(
        time: WallTime, processes: [ProcessCapture], threads: [ThreadCapture], userStacksUnavailable: String?,
        budgetNs: UInt64, elapsedNs: UInt64
    ) {
        self.time = time
        self.processes = processes
        self.threads = threads
        self.userStacksUnavailable = userStacksUnavailable
        self.budgetNs = budgetNs
        self.elapsedNs = elapsedNs
    }

    /// Processes whose /proc state was not read: gone, or the budget ran out first.
    public var notCaptured: [Int32] { processes.filter { $0.captureError != nil }.map(\.pid) }

    /// Processes read from /proc whose user-space stacks the budget left no time for.
    public var stacksSkipped: [Int32] {
        processes.filter { $0.captureError == nil && $0.stackError == TreeCapture.budgetSpent }.map(\.pid)
    }

    /// The snapshot to store for the timeout stall `stallID` (the runtime's number of the
    /// `.timeout` StallRecord it submitted first), stamped when the capture began.
    public func snapshot(
        stallID: Int, type: StallSnapshotType = .entry, pressure: [PressureResource: String] = [:]
    ) -> StallSnapshotRecord {
        StallSnapshotRecord(
            stallID: stallID, type: type, time: time, threads: threads, pressure: pressure, processes: processes)
    }
}
