/// Follows one watched process through the kernel's events and decides, without any syscall
/// of its own, when and how it ended.
///
/// The proc connector reports every thread's exit separately, and the group leader can exit
/// before the other threads, so the process ends only when its last known thread has gone.
/// The event loop also tells the Tracker when the target's pidfd became readable (the kernel's
/// own word that the whole thread group is gone): either fact alone may be incomplete when
/// netlink messages were dropped, so both are reconciled here.
public struct Tracker: Sendable {
    public enum Output: Sendable, Equatable {
        case threadStarted(tid: Int32)
        case threadEnded(tid: Int32)
        case exec(monotonicNs: UInt64)
        case renamed(String)
        /// Every known thread has exited; the loop should confirm with the pidfd.
        case threadsGone
        case ended(ProcessEnd)
    }

    public let tgid: Int32
    public private(set) var threads: Set<Int32>
    public private(set) var end: ProcessEnd?
    private var lastExit: (status: WaitStatus, monotonicNs: UInt64)?
    private var groupGone = false

    public init(tgid: Int32, threads: Set<Int32>) {
        self.tgid = tgid
        self.threads = threads.isEmpty ? [tgid] : threads
    }

    public var hasEnded: Bool { end != nil }

    public mutating func apply(_ event: ProcEvent) -> [Output] {
        guard end == nil else { return [] }
        switch event.kind {
        case .fork(_, _, let childPid, let childTgid) where childTgid == tgid && childPid != childTgid:
            return threads.insert(childPid).inserted ? [.threadStarted(tid: childPid)] : []
        case .exec(_, let eventTgid) where eventTgid == tgid:
            // exec leaves one thread, which takes the group leader's id.
            threads = [tgid]
            return [.exec(monotonicNs: event.monotonicNs)]
        case .comm(_, let eventTgid, let name) where eventTgid == tgid:
            return [.renamed(name)]
        case .exit(let pid, let eventTgid, let status, _) where eventTgid == tgid:
            threads.remove(pid)
            lastExit = (status, event.monotonicNs)
            var outputs: [Output] = [.threadEnded(tid: pid)]
            if threads.isEmpty {
                if groupGone {
                    outputs.append(finish(status: status, at: event.monotonicNs, source: "proc_connector"))
                } else {
                    outputs.append(.threadsGone)
                }
            }
            return outputs
        default:
            return []
        }
    }

    /// The target's pidfd is readable: the kernel says the whole thread group has exited.
    /// Returns `.ended` when the exit status is already known; otherwise the loop should drain
    /// the netlink socket and call `statusDeadlinePassed` if it still has not come.
    public mutating func groupExited(monotonicNs: UInt64) -> [Output] {
        guard end == nil else { return [] }
        groupGone = true
        if threads.isEmpty, let lastExit {
            return [finish(status: lastExit.status, at: lastExit.monotonicNs, source: "proc_connector")]
        }
        return []
    }

    /// The group is gone but the last thread's exit message never came (dropped, or no proc
    /// connector). `fallback` is the status read from the zombie's /proc/PID/stat, if it could be.
    public mutating func statusDeadlinePassed(monotonicNs: UInt64, fallback: WaitStatus?) -> [Output] {
        guard end == nil, groupGone else { return [] }
        if let fallback {
            return [finish(status: fallback, at: lastExit?.monotonicNs ?? monotonicNs, source: "proc_stat")]
        }
        return [finish(status: lastExit?.status, at: lastExit?.monotonicNs ?? monotonicNs, source: "pidfd")]
    }

    /// Threads counted from /proc/PID/task after events may have been lost.
    public mutating func resync(threads live: Set<Int32>) {
        guard end == nil, !live.isEmpty else { return }
        threads = live
    }

    private mutating func finish(status: WaitStatus?, at monotonicNs: UInt64, source: String) -> Output {
        let end = ProcessEnd(status: status, monotonicNs: monotonicNs, source: source)
        self.end = end
        return .ended(end)
    }
}
