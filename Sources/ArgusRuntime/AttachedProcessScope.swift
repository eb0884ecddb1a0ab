import ArgusCore
import ArgusKernel
import ArgusStore

/// `argus-trace --pid/--process [--wait]`: one process that was already running (or, with
/// --wait, the first that starts under a name), watched until it ends or argus-trace is stopped.
final class AttachedProcessScope: Scope {
    let options: WatchOptions
    let mode = "watch"
    let followsChildren = false
    let reaps = false
    let handledSignals = [SignalNumber.interrupt, SignalNumber.terminate, SignalNumber.hangup]
    let progressDescriptor = StandardStream.output
    let echoesRoot = true
    let setupFailureStatus = ExitStatus.internalFailure
    let refusedDatabaseStatus = ExitStatus.targetNotFound
    /// With --wait: the name whose first exec is awaited.
    private var awaited: String?

    init(options: WatchOptions) {
        self.options = options
    }

    func begin(_ session: Session) -> ScopeStart {
        let console = session.console
        switch options.target {
        case .pid(let pid):
            guard let stat = ProcessReader.stat(pid) else { return fail("no process with PID \(pid)", console) }
            if !ProcessReader.isAlive(pid, stat: stat) { return fail("process \(pid) has already exited (zombie)", console) }
            if stat.isKernelThread { return fail("PID \(pid) is a kernel thread, not a process that can be watched", console) }
            return attach(
                ProcessCandidate(pid: pid, startTicks: stat.startTicks, comm: stat.comm, exePath: nil, argv0: nil),
                execNs: nil, session)
        case .name(let name, let wait):
            // The proc connector is subscribed already: a process that starts after this scan is
            // seen by its exec.
            if let found = newest(named: name, console) { return attach(found, execNs: nil, session) }
            guard wait else { return fail("no process named '\(name)' is running (use --wait to wait for one)", console) }
            guard session.procEvents != nil else { return fail("--wait needs the proc connector, which is unavailable", console) }
            guard session.openStoreOrRefuse() else { return .failed(refusedDatabaseStatus) }
            console.info("Waiting for a process named '\(name)' to start...")
            awaited = name
            return .waiting
        }
    }

    private func fail(_ message: String, _ console: Console) -> ScopeStart {
        console.error(message)
        return .failed(ExitStatus.targetNotFound)
    }

    /// The newest process matching `name`. Says how many matched and which one it chose.
    private func newest(named name: String, _ console: Console) -> ProcessCandidate? {
        let matches = ProcessMatch.matching(name, in: ProcessReader.candidates(excluding: [ProcessControl.currentPID]))
        guard let newest = matches.first else { return nil }
        if matches.count > 1 {
            let others = matches.dropFirst().prefix(5).map { String($0.pid) }.joined(separator: ", ")
            console.info(
                "\(matches.count) processes match '\(name)'; watching the newest, PID \(newest.pid) "
                    + "(others: \(others)\(matches.count > 6 ? ", ..." : ""))")
        } else {
            console.info("1 process matches '\(name)': PID \(newest.pid)")
        }
        return newest
    }

    /// Attaches the session to `candidate`, follows the logs, prints the header and records
    /// that watching began.
    private func attach(_ candidate: ProcessCandidate, execNs: UInt64?, _ session: Session) -> ScopeStart {
        guard session.openStoreOrRefuse() else { return .failed(refusedDatabaseStatus) }
        let pid = candidate.pid
        let read = ProcessReader.commandLine(pid)
        let arrival = Session.RootArrival(
            pid: pid, parentPid: ProcessReader.stat(pid)?.ppid ?? 0,
            startedNs: Clocks.monotonicNs(ofStartTicks: candidate.startTicks, ticksPerSecond: ProcessReader.ticksPerSecond),
            startTicks: candidate.startTicks,
            command: CommandIdentity(comm: candidate.comm, exe: read.exe, argv: read.argv),
            threadsFromProc: ProcessReader.liveThreadIDs(pid), execMonotonicNs: execNs)
        guard session.attach(arrival) else { return .failed(ExitStatus.targetNotFound) }
        session.console.detail(
            "Detected application name: \(session.appName) "
                + "(\(options.recording.appName == nil ? "from process name" : "from --app-name"))")
        session.startLogs()
        // Stamped when every source is ready, before the header says so: anything the target
        // does after that comes after this row.
        let attachedAt = WallTime(nanoseconds: Clocks.realtimeNs())
        printHeader(session)
        session.recordAttached(at: attachedAt, started: execNs, startedDetail: "seen by --wait")
        return .attached
    }

    private func printHeader(_ session: Session) {
        let console = session.console
        console.info("Starting monitoring: \(session.appName)")
        console.info("Process: \(session.table.root?.name ?? "?") (PID: \(session.rootPid ?? 0))")
        for path in options.recording.logfiles { console.info("Log file: \(OpenFile.absolute(path))") }
        console.info("Collection interval: \(Format.seconds(options.recording.intervalNs)) seconds")
        console.info("Timestamp: \(WallTime(nanoseconds: Clocks.realtimeNs()).consoleString)")
        console.blank()
    }

    /// While waiting: each new program is checked against the name on a worker thread (its
    /// /proc files are read there), and the first match is attached.
    func observeWhileWaiting(_ event: ProcEvent, _ session: Session) {
        guard let name = awaited, case .exec(_, let tgid) = event.kind else { return }
        session.background.run({ ProcessReader.candidate(tgid) }, then: { [self] candidate in
            guard awaited != nil, session.rootPid == nil, let candidate, candidate.matches(name) else { return }
            session.console.info("Process '\(name)' started: PID \(candidate.pid)")
            switch attach(candidate, execNs: event.monotonicNs, session) {
            case .attached: awaited = nil
            case .failed, .waiting: session.console.info("Waiting for the next process named '\(name)'...")
            }
        })
    }

    func handle(_ delivery: SignalChannel.Delivery, _ session: Session) {
        session.stop(signal: delivery.signal)
    }

    func memberEnded(_ member: ProcessTable.Member, corrected: Bool, _ session: Session) {
        guard member.pid == session.rootPid, !corrected else { return }
        session.console.blank()
        session.console.info("Process terminated (\(member.end?.status?.description ?? "exit status unknown"))")
    }

    func timerFired(_ session: Session) {}

    func isDone(_ session: Session) -> Bool {
        session.stopSignal != nil || session.table.root?.end != nil
    }

    func endReason(_ session: Session) -> String {
        if session.table.root?.end != nil { return "target exited" }
        if session.table.root == nil && session.stopSignal == nil { return "target not found" }
        return session.stopSignal.map { "stopped by \(SignalName.of(Int($0)))" } ?? "error"
    }

    func finish(_ session: Session, unsavedRows: Int, stoppedAt: WallTime) -> Int32 {
        let console = session.console
        guard let root = session.table.root else {
            if let signal = session.stopSignal { console.info("Stopped by \(SignalName.of(Int(signal))) while waiting") }
            return session.stopSignal.map(ExitStatus.stoppedBySignal) ?? ExitStatus.internalFailure
        }
        if root.end == nil, let signal = session.stopSignal {
            console.blank()
            console.info("Stopped by \(SignalName.of(Int(signal))); process \(root.pid) is still running")
        }
        let seconds = Double(Clocks.monotonicNs() - session.startedMonotonicNs) / 1e9
        console.info("Total monitoring time: \(Format.decimal(seconds)) seconds")
        console.info("Metrics collected: \(session.samples)")
        console.info("Log entries captured: \(session.logLines)")
        if let stallMonitor = session.stallMonitor { console.info("Stalls detected: \(stallMonitor.stallCount)") }
        if let overflows = session.procEvents?.overflows, overflows > 0 {
            console.warning("the kernel reported \(overflows) proc connector overflow(s); some events were lost")
        }
        if unsavedRows > 0 { return ExitStatus.rowsUnsaved }
        console.info("Data saved to: \(options.recording.databasePath)")
        if root.end == nil, let signal = session.stopSignal, signal != 0 { return ExitStatus.stoppedBySignal(signal) }
        return root.end == nil ? ExitStatus.internalFailure : ExitStatus.success
    }
}
