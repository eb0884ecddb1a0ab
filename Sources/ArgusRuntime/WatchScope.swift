import ArgusCore
import ArgusKernel
import ArgusStore

/// `argus-trace --pid/--process/--cgroup/--unit`: processes that were already running (or, with
/// --wait, the first that starts under a name), watched until they end or argus-trace is
/// stopped. With --follow-children every descendant is a member; with --cgroup or --unit every
/// process in the group is, including those moved in from outside; with --follow-restarts the
/// session waits for the service's next incarnation when it ends.
final class WatchScope: Scope {
    enum State {
        case starting
        /// No member yet: waiting for the first exec of a name, or for the cgroup to fill.
        case waiting
        case watching
        case ended
    }

    let options: WatchOptions
    let mode = "watch"
    let followsChildren: Bool
    let reaps = false
    let handledSignals = [SignalNumber.interrupt, SignalNumber.terminate, SignalNumber.hangup]
    let progressDescriptor = StandardStream.output
    let echoesRoot = true
    let setupFailureStatus = ExitStatus.internalFailure
    let refusedDatabaseStatus = ExitStatus.targetNotFound
    private(set) var state = State.starting
    private(set) var restarts = 0
    /// An incarnation was watched already: the next one is a restart.
    private var hadIncarnation = false
    /// The name whose exec is awaited (--wait, or a restart of --process NAME).
    private var awaited: String?
    /// Programs started outside the table, waiting to be checked, and whether a check runs.
    private var execQueue: [(pid: Int32, ns: UInt64)] = []
    private var checkingExecs = false
    /// The watched cgroup (--cgroup, --unit), when there is one.
    private(set) var cgroup: CgroupWatch?

    init(options: WatchOptions) {
        self.options = options
        switch options.target {
        case .pid, .name: followsChildren = options.followChildren
        case .cgroup, .unit: followsChildren = true
        }
        if case .name = options.target, options.followRestarts {
            recentExecs = SampleRing(capacity: Self.recentExecLimit)
        }
    }

    var isGroup: Bool { followsChildren }
    var readsProgramsAtExec: Bool { (awaited != nil && state == .waiting) || cgroup != nil }
    var followsRestarts: Bool { options.followRestarts }

    func begin(_ session: Session) -> ScopeStart {
        let console = session.console
        switch options.target {
        case .pid(let pid):
            guard let stat = ProcessReader.stat(pid) else { return fail("no process with PID \(pid)", console) }
            if !ProcessReader.isAlive(pid, stat: stat) {
                return fail("process \(pid) has already exited (zombie)", console)
            }
            if stat.isKernelThread {
                return fail("PID \(pid) is a kernel thread, not a process that can be watched", console)
            }
            return attach(pid, execNs: nil, session)
        case .name(let name, let wait):
            // The proc connector is subscribed already: a process that starts after this scan is
            // seen by its exec.
            if let found = ProcessChoice.find(name, topOfTree: options.followChildren, console) {
                return attach(found.pid, execNs: nil, session)
            }
            guard wait || options.followRestarts else {
                return fail("no process named '\(name)' is running (use --wait to wait for one)", console)
            }
            guard session.procEvents != nil else {
                return fail("--wait needs the proc connector, which is unavailable", console)
            }
            guard session.openStoreOrRefuse() else { return .failed(refusedDatabaseStatus) }
            console.info("Waiting for a process named '\(name)' to start...")
            awaited = name
            state = .waiting
            return .waiting
        case .cgroup(let path):
            return beginCgroup(CgroupWatch.resolve(path: path), session)
        case .unit(let name):
            return beginCgroup(CgroupWatch.resolve(unit: name), session)
        }
    }

    /// --cgroup or --unit: the group's processes now, the oldest as the root; or, empty, waiting
    /// for it to fill when following restarts.
    private func beginCgroup(_ resolved: Result<CgroupWatch, CgroupProblem>, _ session: Session) -> ScopeStart {
        let watch: CgroupWatch
        switch resolved {
        case .failure(let problem): return fail(problem.message, session.console)
        case .success(let found): watch = found
        }
        cgroup = watch
        let members = (CgroupFS.processes(watch.path) ?? []).compactMap { Session.arrival(of: $0) }
            .sorted { $0.startedNs < $1.startedNs }
        if members.isEmpty && !options.followRestarts {
            // Bad input touches no database.
            return fail(
                "cgroup \(watch.path) has no processes (--follow-restarts waits for it to fill)", session.console)
        }
        guard session.openStoreOrRefuse() else { return .failed(refusedDatabaseStatus) }
        do {
            try session.watchForScope(watch.descriptor)
        } catch {
            session.console.warning("cannot watch \(watch.path)/cgroup.events (\(error)); it is read at every sample")
        }
        guard let root = members.first else {
            session.console.info("Waiting for cgroup \(watch.path) to be populated...")
            state = .waiting
            return .waiting
        }
        return attach(root.pid, execNs: nil, session, alsoJoining: members.dropFirst().map(\.pid))
    }

    func fail(_ message: String, _ console: Console) -> ScopeStart {
        console.error(message)
        return .failed(ExitStatus.targetNotFound)
    }

    /// Attaches the session to `pid` (and, with --follow-children, its descendants), follows the
    /// logs, prints the header and records that watching began, or that the service restarted.
    func attach(_ pid: Int32, execNs: UInt64?, _ session: Session, alsoJoining others: [Int32] = []) -> ScopeStart {
        guard session.openStoreOrRefuse() else { return .failed(refusedDatabaseStatus) }
        guard let arrival = Session.arrival(of: pid), session.attach(arrival) else {
            if state == .starting {
                session.console.error("process \(pid) exited before it could be watched")
            } else {
                session.console.detail("process \(pid) exited before it could be watched")
            }
            return .failed(ExitStatus.targetNotFound)
        }
        if hadIncarnation { restarting(session) }
        var joining = others.map { (pid: $0, parentPid: Int32?.none) }
        if followsChildren && cgroup == nil {
            joining += ProcessReader.descendants(of: pid).map { (pid: $0.pid, parentPid: Optional($0.parentPid)) }
        }
        for (member, parent) in joining where !session.table.contains(member) {
            if let arrival = Session.arrival(of: member, parentPid: parent) { session.join(arrival, isRoot: false) }
        }
        started(execNs: execNs, session)
        return .attached
    }

    /// The root and its members are in: say so, once per incarnation.
    func started(execNs: UInt64?, _ session: Session) {
        let restarted = hadIncarnation
        hadIncarnation = true
        if state == .starting {
            session.console.detail(
                "Detected application name: \(session.appName) "
                    + "(\(options.recording.appName == nil ? "from process name" : "from --app-name"))")
            session.startLogs()
        }
        let attachedAt = WallTime(nanoseconds: Clocks.realtimeNs())
        if !restarted {
            printHeader(session)
            session.recordAttached(at: attachedAt, started: execNs, startedDetail: "seen by --wait")
        } else {
            session.console.info(
                "Service restarted (generation \(session.generation)): \(session.table.root?.name ?? "?") "
                    + "(PID: \(session.rootPid ?? 0))")
            session.recordRestart(at: attachedAt, started: execNs)
        }
        state = .watching
    }

    private func printHeader(_ session: Session) {
        let console = session.console
        console.info("Starting monitoring: \(session.appName)")
        console.info("Process: \(session.table.root?.name ?? "?") (PID: \(session.rootPid ?? 0))")
        if isGroup {
            console.info(
                "Members: \(session.table.live.count) process(es)\(cgroup.map { " in cgroup \($0.path)" } ?? "")")
        }
        for path in options.recording.logfiles { console.info("Log file: \(OpenFile.absolute(path))") }
        console.info("Collection interval: \(Format.seconds(options.recording.intervalNs)) seconds")
        console.info("Timestamp: \(WallTime(nanoseconds: Clocks.realtimeNs()).consoleString)")
        console.blank()
    }

    /// A new program outside the table: it may be the awaited name, or a process moved into the
    /// watched cgroup. Queued here and checked on a worker thread, a batch at a time. While a
    /// --process NAME that follows restarts is watched, it is only kept (`recentExecs`).
    func observe(_ event: ProcEvent, _ session: Session) {
        guard case .exec(_, let tgid) = event.kind, !session.table.contains(tgid) else { return }
        if readsProgramsAtExec {
            execQueue.append((tgid, event.monotonicNs))
            checkExecs(session)
        } else if state == .watching {
            recentExecs?.append((tgid, event.monotonicNs))
        }
    }

    /// With --process NAME --follow-restarts (nil otherwise), while an incarnation is watched:
    /// the latest `recentExecLimit` execs outside the table, unread. The next incarnation can
    /// exec before the last one's exit is read (a supervisor starts it early, or both are in one
    /// batch of events): when that exit comes, they are checked, oldest first, as if they had
    /// come while waiting (waitForRestart), and the first still running under the name is the
    /// next, from the time of its exec. A process of the name that was forked but did not exec
    /// (a worker of the last one) is not a restart.
    private var recentExecs: SampleRing<(pid: Int32, ns: UInt64)>?
    static let recentExecLimit = 1_024

    /// One worker job at a time reads the queued programs' /proc files (their names, their
    /// cgroup): however many programs a busy machine starts, the loop is woken once per batch.
    private func checkExecs(_ session: Session) {
        guard !checkingExecs, !execQueue.isEmpty, !session.isEnding else { return }
        checkingExecs = true
        let batch = execQueue
        execQueue.removeAll()
        let readNames = awaited != nil
        let group = cgroup?.group
        session.background.run(
            {
                batch.map { exec in
                    ExecCheck(
                        pid: exec.pid, execNs: exec.ns, candidate: readNames ? ProcessReader.candidate(exec.pid) : nil,
                        inGroup: group.map { CgroupFS.group(of: exec.pid) == $0 } ?? false)
                }
            },
            then: { [self] checks in
                checkingExecs = false
                for check in checks where !session.isEnding && !session.table.contains(check.pid) {
                    if let name = awaited, state == .waiting, let candidate = check.candidate, candidate.matches(name) {
                        session.console.info("Process '\(name)' started: PID \(candidate.pid)")
                        if case .attached = attach(candidate.pid, execNs: check.execNs, session) { awaited = nil }
                    } else if check.inGroup, let cgroup {
                        cgroup.movedIn(check.pid, execNs: check.execNs, self, session)
                    }
                }
                checkExecs(session)
            })
    }

    /// What the worker found of one new program.
    private struct ExecCheck: Sendable {
        var pid: Int32
        var execNs: UInt64
        var candidate: ProcessCandidate?
        var inGroup: Bool
    }

    func sampleTick(_ session: Session) {
        cgroup?.reconcile(self, session)
    }

    func descriptorReadable(_ session: Session) {
        cgroup?.eventsChanged(self, session)
    }

    func handle(_ delivery: SignalChannel.Delivery, _ session: Session) {
        session.stop(signal: delivery.signal)
    }

    func memberEnded(_ member: ProcessTable.Member, corrected: Bool, _ session: Session) {
        let status = member.end?.status
        if member.pid == session.rootPid && !corrected && !isGroup {
            session.console.blank()
            session.console.info("Process terminated (\(status?.description ?? "exit status unknown"))")
        } else if isGroup, !corrected || status?.shellCode != 0 {
            let failed = status.map { $0.shellCode != 0 } ?? true
            let line = "Process \(member.pid) (\(member.name)) ended: \(status?.description ?? "exit status unknown")"
            if failed || member.pid == session.rootPid {
                session.console.info(line)
            } else {
                session.console.detail(line)
            }
        }
    }

    func timerFired(_ session: Session) {}

    /// Whether the service is gone: its root (and, for a group, every member) ended, or its
    /// cgroup emptied.
    private func serviceGone(_ session: Session) -> Bool {
        if let cgroup { return !cgroup.populated && session.table.live.isEmpty }
        guard session.table.root?.end != nil else { return false }
        return !isGroup || session.table.live.isEmpty
    }

    func isDone(_ session: Session) -> Bool {
        if session.stopSignal != nil { return true }
        guard state == .watching, serviceGone(session) else { return state == .ended }
        if options.followRestarts && restarts < options.maxRestarts ?? Int.max {
            waitForRestart(session)
            return false
        }
        state = .ended
        return true
    }

    /// The service ended and --follow-restarts is on: its end is recorded as now, and the
    /// session waits for the next incarnation.
    private func waitForRestart(_ session: Session) {
        let status = session.table.root?.end?.status?.description ?? "exit status unknown"
        session.endIncarnation()
        state = .waiting
        if case .name(let name, _) = options.target {
            awaited = name
            session.console.info("Service ended (\(status)); waiting for a process named '\(name)' to start again")
            // An exec that came while it was watched may be the next one's.
            if let kept = recentExecs { execQueue.append(contentsOf: kept) }
            recentExecs?.removeAll()
            checkExecs(session)
        } else if let cgroup {
            session.console.info("Service ended (\(status)); waiting for cgroup \(cgroup.path) to be populated again")
        }
    }

    /// A new incarnation is arriving: count it.
    private func restarting(_ session: Session) {
        restarts += 1
        session.generation += 1
    }

    func endReason(_ session: Session) -> String {
        if let signal = session.stopSignal { return "stopped by \(SignalName.of(Int(signal)))" }
        if session.table.root == nil && session.samples == 0 { return "target not found" }
        if options.followRestarts && restarts >= options.maxRestarts ?? Int.max {
            return "service ended after \(restarts) restart(s)"
        }
        return "target exited"
    }

    func finish(_ session: Session, unsavedRows: Int, stoppedAt: WallTime) -> Int32 {
        let console = session.console
        guard let root = session.table.root else {
            if let signal = session.stopSignal {
                console.info("Stopped by \(SignalName.of(Int(signal))) while waiting")
            }
            return session.stopSignal.map(ExitStatus.stoppedBySignal) ?? ExitStatus.internalFailure
        }
        if root.end == nil, let signal = session.stopSignal {
            console.blank()
            console.info("Stopped by \(SignalName.of(Int(signal))); process \(root.pid) is still running")
        }
        let seconds = Double(Clocks.monotonicNs() - session.startedMonotonicNs) / 1e9
        let summary = WatchSummary(
            seconds: seconds, samples: session.samples, logLines: session.logLines,
            processesSeen: isGroup ? session.table.endedCount + session.table.live.count : nil,
            restarts: options.followRestarts ? restarts : nil, stalls: session.stallMonitor?.stallCount)
        for line in summary.lines { console.info(line) }
        if let overflows = session.procEvents?.overflows, overflows > 0 {
            console.warning("the kernel reported \(overflows) proc connector overflow(s); some events were lost")
        }
        if unsavedRows > 0 { return ExitStatus.rowsUnsaved }
        console.info("Data saved to: \(options.recording.databasePath)")
        if let signal = session.stopSignal {
            return signal == 0 ? ExitStatus.internalFailure : ExitStatus.stoppedBySignal(signal)  // 0: the loop failed
        }
        return root.end == nil && !isGroup ? ExitStatus.internalFailure : ExitStatus.success
    }
}
