import ArgusCore

/// What `run` keeps in memory for its summary and reports, bounded however many processes the
/// command starts: every row is in the database already, streamed as each process ended. The
/// first `listedCapacity` processes are listed, and every failure up to `failureCapacity`;
/// beyond that only counts are kept, and the longest-running three.
struct RunLedger {
    static let listedCapacity = 5_000
    static let failureCapacity = 5_000

    private(set) var listed: [RunProcess] = []
    /// Where each listed process is, by pid and start (for late wait statuses).
    private var index: [ProcessKey: Int] = [:]
    private(set) var notListedSucceeded = 0
    private(set) var notListedFailed = 0
    private var failuresListed = 0
    private(set) var longest: [RunProcess] = []

    struct ProcessKey: Hashable {
        var pid: Int32
        var startedNs: UInt64
    }

    /// Adds a process at its end (or at the run's end, still running); the same process again
    /// (pid and CLOCK_MONOTONIC start) replaces its entry.
    mutating func record(_ process: RunProcess, startedNs: UInt64, correcting: Bool = false) {
        let key = ProcessKey(pid: process.pid, startedNs: startedNs)
        if let position = index[key] {
            listed[position] = process  // a late wait status corrected it
            return
        }
        // A correction of a process that is only counted keeps its first count (it is exact in
        // the processes table); counting it again would count it twice.
        guard !correcting else { return }
        noteDuration(process)
        let failed = process.failed || (process.status == nil && process.ended != nil)
        if failed && failuresListed < Self.failureCapacity {
            failuresListed += 1
        } else if failed || listed.count >= Self.listedCapacity {
            if failed { notListedFailed += 1 } else { notListedSucceeded += 1 }
            return
        }
        index[key] = listed.count
        listed.append(process)
    }

    private mutating func noteDuration(_ process: RunProcess) {
        guard let duration = process.durationNs else { return }
        if longest.count == 3, let shortest = longest.last?.durationNs, duration <= shortest { return }
        longest.append(process)
        longest.sort { ($0.durationNs ?? 0) > ($1.durationNs ?? 0) }
        if longest.count > 3 { longest.removeLast() }
    }
}
