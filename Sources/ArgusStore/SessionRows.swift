/// What the writer thread keeps across connections, so that a reconnect after a failure goes on
/// with the same rows: the session's row, and the row ids of the stalls it saved.
struct SessionRows {
    let sessionID: Int64
    /// Stall numbers of this session (the detector's) to their row ids, for the rows that
    /// refer to a stall. Only committed rows are in it.
    var stallRows: [Int: Int64] = [:]
}

/// The writer's own numbers for the session row: its peak backlog and the rows it lost so far.
struct WriterTotals: Sendable {
    var peakBacklogRows: Int
    var peakBacklogBytes: Int
    var unsaved: Int
}
