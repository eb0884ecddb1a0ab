/// The members of a session's scope: which processes are in, their threads, their tree, and how
/// and when each ended. Pure logic, no syscall: the session feeds it proc connector events, wait
/// statuses, pidfd readiness and what /proc said after messages were dropped, and turns its
/// outputs into rows. One table serves every mode: one attached process, a spawned command's
/// whole tree, and later services and cgroups.
///
/// A process ends when its whole thread group is gone. The proc connector reports every
/// thread's exit separately and the leader can exit first, so a member ends with its last known
/// thread. Two members are special:
/// - one whose threads were read from /proc at attach (`confirmsEndWithPidfd`): that list can be
///   short by a thread created in between, so an empty list only asks the session to confirm with
///   the member's pidfd (`.threadsGone`);
/// - a child of the reaper (`reaperPid`, argus-trace in `run`): waitpid will give the kernel's own
///   status, which wins over the proc connector's, so its end is held until reaped.
/// When the kernel dropped messages, /proc is asked: a zombie still holds its status; a process
/// that is gone ends with its status unknown. An end is never invented.
public struct ProcessTable: Sendable {
    public struct Member: Sendable, Equatable {
        public let pid: Int32
        public let parentPid: Int32
        /// CLOCK_MONOTONIC ns of its start (fork event, spawn, or /proc start time at attach).
        public let startedNs: UInt64
        /// Start time in clock ticks since boot (/proc/PID/stat field 22) when it was read: with
        /// the pid, the process's identity.
        public var startTicks: UInt64?
        public var threads: Set<Int32>
        public var execs = 0
        /// What it runs, as far as known (a forked child runs its parent's program).
        public var command = CommandIdentity()
        public var end: ProcessEnd?
        /// Ends are confirmed by the pidfd, not by the thread list alone (see the type's comment).
        public let confirmsEndWithPidfd: Bool
        /// The proc connector's word on its end, held while waitpid's is awaited.
        public var connectorEnd: ProcessEnd?
        /// The pidfd said the whole group is gone.
        var groupGone = false
        /// The newest thread exit seen: the status the group ends with.
        var lastExit: ProcessEnd?

        public init(
            pid: Int32, parentPid: Int32, startedNs: UInt64, threads: Set<Int32>, confirmsEndWithPidfd: Bool = false,
            command: CommandIdentity = CommandIdentity()
        ) {
            self.pid = pid
            self.parentPid = parentPid
            self.startedNs = startedNs
            self.threads = threads.isEmpty ? [pid] : threads
            self.confirmsEndWithPidfd = confirmsEndWithPidfd
            self.command = command
        }

        public var duration: UInt64? { end.map { $0.monotonicNs >= startedNs ? $0.monotonicNs - startedNs : 0 } }

        /// The short name to show: comm, else the program's basename, else "?".
        public var name: String { command.name ?? "?" }
    }

    public enum Output: Sendable, Equatable {
        case started(Member)
        case threadStarted(pid: Int32, tid: Int32)
        case threadEnded(pid: Int32, tid: Int32)
        case exec(pid: Int32, monotonicNs: UInt64)
        case renamed(pid: Int32, name: String)
        /// Every known thread of a pidfd-confirmed member exited: the session asks its pidfd.
        case threadsGone(pid: Int32)
        case ended(Member)
        /// A wait status arrived after the proc connector had ended the member differently.
        case corrected(Member)
    }

    /// What /proc said of a member (or a stranger) after messages were dropped.
    public enum Observed: Sendable, Equatable {
        case running(threads: Set<Int32>)
        /// A zombie: its wait status is still in /proc/PID/stat.
        case exited(WaitStatus?)
        /// Gone from /proc, but the kernel's exit probe (BPF) saw how it ended.
        case probed(WaitStatus)
        /// Not there, or another process under the same pid.
        case gone
    }

    /// One reading of /proc about one process that started at `startedNs`.
    public struct Observation: Sendable, Equatable {
        public var pid: Int32
        public var startedNs: UInt64
        public var observed: Observed

        public init(pid: Int32, startedNs: UInt64, observed: Observed) {
            self.pid = pid
            self.startedNs = startedNs
            self.observed = observed
        }
    }

    /// Two readings of one process's start agree within this (a /proc start time counts in
    /// 10 ms clock ticks).
    public static let startTolerance: UInt64 = 30_000_000

    /// Ended members kept for late wait statuses and pid reuse; older ones are forgotten (their
    /// rows are in the store), so a run of a million processes keeps a bounded table.
    public static let recentCapacity = 4_096

    /// Forked children of members join the table.
    public let followsChildren: Bool
    /// The process that reaps orphans and the spawned root (argus-trace in `run`).
    public let reaperPid: Int32?
    /// Members still running, by pid.
    public private(set) var live: [Int32: Member] = [:]
    /// The scope's root, while it runs and after it ended.
    public private(set) var rootPid: Int32?
    private var endedRoot: Member?
    /// The newest ended member of each recent pid, and their order of ending (oldest first).
    private var recent: [Int32: (member: Member, order: Int)] = [:]
    private var recentOrder: [(pid: Int32, order: Int)] = []
    private var recentHead = 0
    /// Members that ended since the table began.
    public private(set) var endedCount = 0

    public init(followsChildren: Bool, reaperPid: Int32? = nil) {
        self.followsChildren = followsChildren
        self.reaperPid = reaperPid
    }

    public var root: Member? { rootPid.flatMap { live[$0] } ?? endedRoot }

    public func contains(_ pid: Int32) -> Bool { live[pid] != nil }

    /// Live members still running: not those whose end is known and whose wait status is on its
    /// way to the reaper.
    public var running: [Member] { live.values.filter { $0.connectorEnd == nil } }

    /// Adds a member found by the scope (attached, spawned, or found in a cgroup).
    public mutating func add(_ member: Member, isRoot: Bool) {
        live[member.pid] = member
        if isRoot {
            rootPid = member.pid
            endedRoot = nil
        }
    }

    /// A member leaves without ending (it moved out of the watched cgroup); nil when unknown.
    public mutating func release(_ pid: Int32) -> Member? {
        live.removeValue(forKey: pid)
    }

    /// What is known of a live member's program (from the exec probe or /proc).
    public mutating func setCommand(_ command: CommandIdentity, of pid: Int32) {
        live[pid]?.command = command
    }

    public mutating func apply(_ event: ProcEvent) -> [Output] {
        switch event.kind {
        case .fork(_, let parentTgid, let childPid, let childTgid):
            if childPid != childTgid {
                guard live[childTgid] != nil, live[childTgid]!.threads.insert(childPid).inserted else { return [] }
                return [.threadStarted(pid: childTgid, tid: childPid)]
            }
            guard followsChildren, let parent = live[parentTgid], live[childTgid] == nil,
                !recentlyEnded(childTgid, startedNs: event.monotonicNs)
            else { return [] }
            let child = Member(
                pid: childTgid, parentPid: parentTgid, startedNs: event.monotonicNs, threads: [childTgid],
                command: parent.command)
            live[childTgid] = child
            return [.started(child)]
        case .exec(_, let tgid):
            guard live[tgid] != nil else { return [] }
            // exec leaves one thread, which takes the group leader's id.
            live[tgid]!.threads = [tgid]
            live[tgid]!.execs += 1
            return [.exec(pid: tgid, monotonicNs: event.monotonicNs)]
        case .comm(_, let tgid, let name):
            guard live[tgid] != nil else { return [] }
            live[tgid]!.command.comm = name
            return [.renamed(pid: tgid, name: name)]
        case .exit(let tid, let tgid, let status, let parentTgid):
            return threadExited(tid, of: tgid, status: status, parentTgid: parentTgid, at: event.monotonicNs)
        default:
            return []
        }
    }

    private mutating func threadExited(
        _ tid: Int32, of tgid: Int32, status: WaitStatus, parentTgid: Int32, at monotonicNs: UInt64
    ) -> [Output] {
        guard var member = live[tgid] else { return [] }
        member.threads.remove(tid)
        let end = ProcessEnd(status: status, monotonicNs: monotonicNs, source: "proc_connector")
        member.lastExit = end
        let ended: [Output] = [.threadEnded(pid: tgid, tid: tid)]
        guard member.threads.isEmpty else {
            live[tgid] = member
            return ended
        }
        if member.confirmsEndWithPidfd {
            live[tgid] = member
            return ended + (member.groupGone ? finish(tgid, end) : [.threadsGone(pid: tgid)])
        }
        if let reaperPid, parentTgid == reaperPid {
            // Its parent is the reaper: waitpid will give the kernel's own status in a moment.
            member.connectorEnd = end
            live[tgid] = member
            return ended
        }
        live[tgid] = member
        return ended + finish(tgid, end)
    }

    /// The member's pidfd is readable: the kernel says its whole thread group has exited. Ends it
    /// when its last exit message is already in; otherwise the session drains the socket and
    /// calls `statusDeadlinePassed` if the message still has not come.
    public mutating func groupExited(_ pid: Int32) -> [Output] {
        guard var member = live[pid] else { return [] }
        member.groupGone = true
        live[pid] = member
        if member.threads.isEmpty, let lastExit = member.lastExit { return finish(pid, lastExit) }
        return []
    }

    /// The group is gone but its last thread's exit message never came (dropped, or no proc
    /// connector). `fallback` is the status from the zombie's /proc/PID/stat or the exit probe.
    public mutating func statusDeadlinePassed(_ pid: Int32, monotonicNs: UInt64, fallback: ProcessEnd?) -> [Output] {
        guard let member = live[pid], member.groupGone else { return [] }
        if let fallback { return finish(pid, fallback) }
        let last = member.lastExit
        return finish(
            pid, ProcessEnd(status: last?.status, monotonicNs: last?.monotonicNs ?? monotonicNs, source: "pidfd"))
    }

    /// waitpid reported `status` for `pid` (argus-trace's child, or an orphan it adopted).
    public mutating func reaped(_ pid: Int32, status: WaitStatus, monotonicNs: UInt64) -> [Output] {
        if live[pid] != nil { return finish(pid, ProcessEnd(status: status, monotonicNs: monotonicNs, source: "wait")) }
        // Only a process whose wait status is ours to collect: our child, or one ended from /proc
        // after lost messages (an orphan we adopted). Another of our children that reuses a
        // recent pid (a helper argus-trace ran) corrects nothing.
        guard var entry = recent[pid], let end = entry.member.end, end.status != status,
            entry.member.parentPid == reaperPid || end.isRecovered
        else { return [] }
        entry.member.end = ProcessEnd(status: status, monotonicNs: end.monotonicNs, source: "wait")
        recent[pid] = entry
        let member = entry.member
        if member.pid == rootPid, endedRoot?.startedNs == member.startedNs { endedRoot = member }
        return [.corrected(member)]
    }

    /// After dropped messages: what /proc said of live members. A zombie ends with the status the
    /// kernel keeps for it ("proc_stat"); one that is gone ends unknown ("lost"). A member whose
    /// end its pidfd confirms only has its threads mended: the pidfd will say when it is gone.
    /// Observations of members that ended or were replaced meanwhile are ignored.
    public mutating func resync(_ observations: [Observation], monotonicNs: UInt64) -> [Output] {
        var outputs: [Output] = []
        for observation in observations {
            guard let member = live[observation.pid], member.startedNs == observation.startedNs else { continue }
            let pid = observation.pid
            switch observation.observed {
            case .running(let threads):
                if !threads.isEmpty { live[pid]!.threads = threads }
            case _ where member.confirmsEndWithPidfd:
                continue
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

    /// Ends the members whose wait status never came, with the proc connector's status.
    public mutating func settleUnreaped() -> [Output] {
        live.filter { $0.value.connectorEnd != nil }.keys.sorted().flatMap { pid in
            finish(pid, live[pid]!.connectorEnd!)
        }
    }

    /// Adds a process found in /proc whose fork message was dropped (and, when it is already a
    /// zombie, its end). A process the table already knew is never added twice.
    public mutating func adopt(pid: Int32, parentPid: Int32, startedNs: UInt64, observed: Observed) -> [Output] {
        guard followsChildren, live[pid] == nil, let parent = live[parentPid], observed != .gone,
            !recentlyEnded(pid, startedNs: startedNs)
        else { return [] }
        var threads: Set<Int32> = [pid]
        if case .running(let current) = observed, !current.isEmpty { threads = current }
        let member = Member(
            pid: pid, parentPid: parentPid, startedNs: startedNs, threads: threads, command: parent.command)
        live[pid] = member
        var outputs: [Output] = [.started(member)]
        if case .exited(let status) = observed {
            outputs += finish(
                pid, ProcessEnd(status: status, monotonicNs: startedNs, source: status == nil ? "lost" : "proc_stat"))
        }
        return outputs
    }

    /// True when the table already ended the process that started at `startedNs` under `pid`
    /// (found in /proc after an overflow, before older queued messages about it were read).
    private func recentlyEnded(_ pid: Int32, startedNs: UInt64) -> Bool {
        guard let known = recent[pid]?.member.startedNs else { return false }
        return max(known, startedNs) - min(known, startedNs) < Self.startTolerance
    }

    private mutating func finish(_ pid: Int32, _ end: ProcessEnd) -> [Output] {
        guard var member = live.removeValue(forKey: pid) else { return [] }
        member.end = end
        endedCount += 1
        if pid == rootPid { endedRoot = member }
        remember(member)
        return [.ended(member)]
    }

    /// Keeps the ended member among the recent ones, forgetting the oldest beyond the capacity.
    private mutating func remember(_ member: Member) {
        recent[member.pid] = (member, endedCount)
        recentOrder.append((member.pid, endedCount))
        while recentOrder.count - recentHead > Self.recentCapacity {
            let oldest = recentOrder[recentHead]
            recentHead += 1
            // A pid that ended again later stays recent under its newer entry.
            if recent[oldest.pid]?.order == oldest.order { recent[oldest.pid] = nil }
        }
        if recentHead > Self.recentCapacity {
            recentOrder.removeFirst(recentHead)
            recentHead = 0
        }
    }
}

/// What a process runs: its comm, resolved executable and argv, as far as they are known.
public struct CommandIdentity: Sendable, Equatable {
    public var comm: String?
    public var exe: String?
    public var argv: [String]?

    public init(comm: String? = nil, exe: String? = nil, argv: [String]? = nil) {
        self.comm = comm
        self.exe = exe
        self.argv = argv
    }

    /// comm, else the basename of argv[0] or of the executable.
    public var name: String? {
        comm ?? argv?.first.map(Self.basename) ?? exe.map(Self.basename)
    }

    public static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
