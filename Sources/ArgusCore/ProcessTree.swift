/// Follows a whole process tree through the kernel's events: every process forked by a
/// member joins it, and each one ends when its last thread has exited. Pure logic, like the
/// Tracker: the event loop feeds it proc connector events and the subreaper's wait statuses.
///
/// Two sources tell how a process ended. The proc connector reports every thread's exit with
/// the raw wait status; waitpid, for argus-trace's own child and for orphans it reaps as a
/// subreaper, reports the status the kernel keeps for the parent. The wait status is the
/// authoritative one and corrects the other. When the kernel dropped messages, a process
/// found gone is ended with its status unknown: an event is never invented.
public struct ProcessTree: Sendable {
    public struct End: Sendable, Equatable {
        public var status: WaitStatus?
        public var monotonicNs: UInt64
        /// "proc_connector", "wait" (reaped by argus-trace) or "lost" (messages were dropped).
        public var source: String

        public init(status: WaitStatus?, monotonicNs: UInt64, source: String) {
            self.status = status
            self.monotonicNs = monotonicNs
            self.source = source
        }
    }

    public struct Node: Sendable, Equatable {
        public let pid: Int32
        public let parentPid: Int32
        public let startedNs: UInt64
        public var threads: Set<Int32>
        public var execs = 0
        public var end: End?
        /// The proc connector's word on its end, held while waitpid's is awaited.
        public var connectorEnd: End?

        public var duration: UInt64? { end.map { $0.monotonicNs >= startedNs ? $0.monotonicNs - startedNs : 0 } }
    }

    public enum Output: Sendable, Equatable {
        case started(pid: Int32, parentPid: Int32, monotonicNs: UInt64)
        case exec(pid: Int32, monotonicNs: UInt64)
        case ended(pid: Int32, End)
        /// A wait status arrived after the proc connector had ended the process differently.
        case corrected(pid: Int32, End)
    }

    public let rootPid: Int32
    /// The process that reaps orphans and the root (argus-trace): for its children the wait
    /// status is awaited instead of settling for the proc connector's.
    public let reaperPid: Int32?
    /// Processes of the tree still running, by pid.
    public private(set) var live: [Int32: Node] = [:]
    /// Processes that ended, in the order they ended.
    public private(set) var finished: [Node] = []
    /// The newest finished entry of each pid (pids are reused within a long run).
    private var finishedIndex: [Int32: Int] = [:]

    public init(rootPid: Int32, parentPid: Int32, startedNs: UInt64, reaperPid: Int32? = nil) {
        self.rootPid = rootPid
        self.reaperPid = reaperPid
        live[rootPid] = Node(pid: rootPid, parentPid: parentPid, startedNs: startedNs, threads: [rootPid])
    }

    public var root: Node? { live[rootPid] ?? finishedIndex[rootPid].map { finished[$0] } }

    public func contains(_ pid: Int32) -> Bool { live[pid] != nil }

    public mutating func apply(_ event: ProcEvent) -> [Output] {
        switch event.kind {
        case .fork(_, let parentTgid, let childPid, let childTgid):
            if childPid != childTgid {
                guard live[childTgid] != nil else { return [] }
                live[childTgid]!.threads.insert(childPid)
                return []
            }
            guard live[parentTgid] != nil, live[childTgid] == nil else { return [] }
            live[childTgid] = Node(pid: childTgid, parentPid: parentTgid, startedNs: event.monotonicNs, threads: [childTgid])
            return [.started(pid: childTgid, parentPid: parentTgid, monotonicNs: event.monotonicNs)]
        case .exec(_, let tgid):
            guard live[tgid] != nil else { return [] }
            live[tgid]!.threads = [tgid]
            live[tgid]!.execs += 1
            return [.exec(pid: tgid, monotonicNs: event.monotonicNs)]
        case .exit(let pid, let tgid, let status, let parentTgid):
            guard var node = live[tgid] else { return [] }
            node.threads.remove(pid)
            let end = End(status: status, monotonicNs: event.monotonicNs, source: "proc_connector")
            if node.threads.isEmpty && parentTgid == reaperPid && reaperPid != nil {
                // Its parent is the reaper: waitpid will give the kernel's own status in a moment.
                node.connectorEnd = end
                live[tgid] = node
                return []
            }
            live[tgid] = node
            guard node.threads.isEmpty else { return [] }
            return finish(tgid, end)
        default:
            return []
        }
    }

    /// waitpid reported `status` for `pid` (argus-trace's child, or an orphan it adopted).
    public mutating func reaped(_ pid: Int32, status: WaitStatus, monotonicNs: UInt64) -> [Output] {
        if live[pid] != nil { return finish(pid, End(status: status, monotonicNs: monotonicNs, source: "wait")) }
        guard let index = finishedIndex[pid], let end = finished[index].end, end.status != status else { return [] }
        var node = finished[index]
        let corrected = End(status: status, monotonicNs: end.monotonicNs, source: "wait")
        node.end = corrected
        finished[index] = node
        return [.corrected(pid: pid, corrected)]
    }

    /// After dropped messages: processes of the tree that `isAlive` says are gone end with an
    /// unknown status, and `threads` refreshes the thread sets of the rest.
    public mutating func resync(
        monotonicNs: UInt64, isAlive: (Node) -> Bool, threads: (Int32) -> Set<Int32>
    ) -> [Output] {
        var outputs: [Output] = []
        for (pid, node) in live.sorted(by: { $0.key < $1.key }) {
            if isAlive(node) {
                let current = threads(pid)
                if !current.isEmpty { live[pid]!.threads = current }
            } else {
                outputs += finish(pid, End(status: nil, monotonicNs: monotonicNs, source: "lost"))
            }
        }
        return outputs
    }

    /// Ends the processes whose wait status never came, with the proc connector's status.
    public mutating func settleUnreaped() -> [Output] {
        live.filter { $0.value.connectorEnd != nil }.keys.sorted().flatMap { pid in
            finish(pid, live[pid]!.connectorEnd!)
        }
    }

    /// Adds a process found in /proc whose fork message was dropped.
    public mutating func adopt(pid: Int32, parentPid: Int32, startedNs: UInt64, threads: Set<Int32>) -> [Output] {
        guard live[pid] == nil, live[parentPid] != nil else { return [] }
        live[pid] = Node(pid: pid, parentPid: parentPid, startedNs: startedNs, threads: threads.isEmpty ? [pid] : threads)
        return [.started(pid: pid, parentPid: parentPid, monotonicNs: startedNs)]
    }

    private mutating func finish(_ pid: Int32, _ end: End) -> [Output] {
        guard var node = live.removeValue(forKey: pid) else { return [] }
        node.end = end
        finishedIndex[pid] = finished.count
        finished.append(node)
        return [.ended(pid: pid, end)]
    }
}
