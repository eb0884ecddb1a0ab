/// Follows a whole process tree through the kernel's events: every process forked by a
/// member joins it, and each one ends when its last thread has exited. Pure logic, like the
/// Tracker: the event loop feeds it proc connector events and the subreaper's wait statuses.
///
/// Two sources tell how a process ended. The proc connector reports every thread's exit with
/// the raw wait status; waitpid, for argus-trace's own child and for orphans it reaps as a
/// subreaper, reports the status the kernel keeps for the parent. The wait status is the
/// authoritative one and corrects the other. When the kernel dropped messages, /proc is read:
/// a zombie still holds its wait status; a process found gone is ended with its status
/// unknown. An event is never invented.
public struct ProcessTree: Sendable {
    public struct Node: Sendable, Equatable {
        public let pid: Int32
        public let parentPid: Int32
        public let startedNs: UInt64
        public var threads: Set<Int32>
        public var execs = 0
        public var end: ProcessEnd?
        /// The proc connector's word on its end, held while waitpid's is awaited.
        public var connectorEnd: ProcessEnd?

        public var duration: UInt64? { end.map { $0.monotonicNs >= startedNs ? $0.monotonicNs - startedNs : 0 } }
    }

    public enum Output: Sendable, Equatable {
        case started(pid: Int32, parentPid: Int32, monotonicNs: UInt64)
        case exec(pid: Int32, monotonicNs: UInt64)
        case ended(pid: Int32, ProcessEnd)
        /// A wait status arrived after the proc connector had ended the process differently.
        case corrected(pid: Int32, ProcessEnd)
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

    /// Live processes that are still running: not those whose end is known and whose wait
    /// status is on its way to the reaper.
    public var running: [Node] { live.values.filter { $0.connectorEnd == nil } }

    public mutating func apply(_ event: ProcEvent) -> [Output] {
        switch event.kind {
        case .fork(_, let parentTgid, let childPid, let childTgid):
            if childPid != childTgid {
                guard live[childTgid] != nil else { return [] }
                live[childTgid]!.threads.insert(childPid)
                return []
            }
            guard live[parentTgid] != nil, live[childTgid] == nil, !alreadyFinished(childTgid, startedNs: event.monotonicNs)
            else { return [] }
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
            let end = ProcessEnd(status: status, monotonicNs: event.monotonicNs, source: "proc_connector")
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
        if live[pid] != nil { return finish(pid, ProcessEnd(status: status, monotonicNs: monotonicNs, source: "wait")) }
        guard let index = finishedIndex[pid], let end = finished[index].end, end.status != status else { return [] }
        var node = finished[index]
        let corrected = ProcessEnd(status: status, monotonicNs: end.monotonicNs, source: "wait")
        node.end = corrected
        finished[index] = node
        return [.corrected(pid: pid, corrected)]
    }

    /// What /proc says of a process after messages were dropped.
    public enum Observed: Sendable, Equatable {
        case running(threads: Set<Int32>)
        /// A zombie: its wait status is still in /proc/PID/stat.
        case exited(WaitStatus?)
        /// Gone from /proc, but the kernel's exit probe (BPF) saw how it ended.
        case probed(WaitStatus)
        /// Not there, or another process under the same pid.
        case gone
    }

    /// Two readings of one process's start agree within this (a /proc start time counts in
    /// 10 ms clock ticks).
    public static let startTolerance: UInt64 = 30_000_000

    /// After dropped messages: every live process is checked against /proc. A zombie ends with
    /// the status the kernel keeps for it ("proc_stat"); one that is gone ends unknown ("lost").
    public mutating func resync(monotonicNs: UInt64, observe: (Node) -> Observed) -> [Output] {
        var outputs: [Output] = []
        for (pid, node) in live.sorted(by: { $0.key < $1.key }) {
            switch observe(node) {
            case .running(let threads):
                if !threads.isEmpty { live[pid]!.threads = threads }
            case .exited(let status?):
                outputs += finish(pid, ProcessEnd(status: status, monotonicNs: monotonicNs, source: "proc_stat"))
            case .probed(let status):
                outputs += finish(pid, ProcessEnd(status: status, monotonicNs: monotonicNs, source: "bpf"))
            case .exited(nil), .gone:
                outputs += finish(pid, ProcessEnd(status: nil, monotonicNs: monotonicNs, source: "lost"))
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

    /// Adds a process found in /proc whose fork message was dropped (and, when it is already a
    /// zombie, its end). A process the tree already knew is never added twice.
    public mutating func adopt(pid: Int32, parentPid: Int32, startedNs: UInt64, observed: Observed) -> [Output] {
        guard live[pid] == nil, live[parentPid] != nil, observed != .gone else { return [] }
        if alreadyFinished(pid, startedNs: startedNs) { return [] }
        var threads: Set<Int32> = [pid]
        if case .running(let current) = observed, !current.isEmpty { threads = current }
        live[pid] = Node(pid: pid, parentPid: parentPid, startedNs: startedNs, threads: threads)
        var outputs: [Output] = [.started(pid: pid, parentPid: parentPid, monotonicNs: startedNs)]
        if case .exited(let status) = observed {
            outputs += finish(
                pid, ProcessEnd(status: status, monotonicNs: startedNs, source: status == nil ? "lost" : "proc_stat"))
        }
        return outputs
    }

    /// True when the tree already ended the process that started at `startedNs` under `pid`
    /// (found in /proc after an overflow, before older queued messages about it were read).
    private func alreadyFinished(_ pid: Int32, startedNs: UInt64) -> Bool {
        guard let index = finishedIndex[pid] else { return false }
        let known = finished[index].startedNs
        return max(known, startedNs) - min(known, startedNs) < Self.startTolerance
    }

    private mutating func finish(_ pid: Int32, _ end: ProcessEnd) -> [Output] {
        guard var node = live.removeValue(forKey: pid) else { return [] }
        node.end = end
        finishedIndex[pid] = finished.count
        finished.append(node)
        return [.ended(pid: pid, end)]
    }
}
