import ArgusCore
import ArgusKernel
import ArgusStore

/// `argus-trace run -- CMD`: argus-trace starts CMD, follows every descendant (orphans
/// included: it is their subreaper, and reaps each with its exact wait status), waits a grace
/// period for what CMD left running, and exits with CMD's status.
final class SpawnedCommandScope: Scope {
    /// After --kill-orphans sent SIGTERM, how long before SIGKILL.
    static let killGraceNs: UInt64 = 2_000_000_000

    enum Phase {
        case running
        /// CMD ended; others are still running until the grace period ends.
        case grace
        /// --kill-orphans sent SIGTERM; SIGKILL follows.
        case killing
        case done
    }

    let options: RunOptions
    let mode = "run"
    let followsChildren = true
    let reaps = true
    let handledSignals = [SignalNumber.interrupt, SignalNumber.terminate, SignalNumber.hangup]
    /// stdout is CMD's.
    let progressDescriptor = StandardStream.error
    let echoesRoot = false
    let setupFailureStatus = ExitStatus.runFailed
    let refusedDatabaseStatus = ExitStatus.runFailed
    private(set) var phase = Phase.running
    private var interrupts = 0
    private var stopReason: String?
    private var ledger = RunLedger()
    private var notStarted = false
    /// --timeout and --heartbeat.
    private var deadline: RunDeadline?

    init(options: RunOptions) {
        self.options = options
    }

    func begin(_ session: Session) -> ScopeStart {
        let console = session.console
        guard session.openStoreOrRefuse() else { return .failed(refusedDatabaseStatus) }
        do {
            try ProcessControl.becomeSubreaper()
        } catch {
            console.warning(
                "cannot become a child subreaper (\(error)): orphans are seen only through the proc connector")
        }
        // Logs are followed from before CMD starts, so its first lines are caught.
        session.startLogs()
        // The kernel follows the fork into CMD while argus-trace watches itself; CMD's own
        // children then follow from it.
        session.kernelCounters?.watchSelfForks()
        let spawnedNs = Clocks.monotonicNs()
        let pid: Int32
        do {
            pid = try ProcessControl.spawn(options.command)
        } catch {
            session.kernelCounters?.stopWatchingSelf()
            notStarted = true
            let notFound = error == .noSuchFile
            console.error("\(options.command[0]): \(notFound ? "command not found" : "cannot run: \(error)")")
            return .failed(notFound ? ExitStatus.commandNotFound : ExitStatus.commandNotExecutable)
        }
        console.detail("Started \(options.command.joined(separator: " ")) as PID \(pid)")
        if session.appName.isEmpty { session.appName = CommandIdentity.basename(options.command[0]) }
        let arrival = Session.MemberArrival(
            pid: pid, parentPid: ProcessControl.currentPID, startedNs: spawnedNs,
            startTicks: ProcessReader.stat(pid)?.startTicks, command: CommandIdentity(argv: options.command),
            threadsFromProc: nil)
        _ = session.attach(arrival)
        session.recordAttached(at: session.startedAt, started: spawnedNs, startedDetail: nil)
        if options.timeoutNs != nil || options.heartbeatNs != nil {
            do {
                deadline = try RunDeadline(options: options, session: session)
            } catch {
                console.warning("cannot arm --timeout/--heartbeat (\(error)); CMD runs without them")
            }
        }
        return .attached
    }

    let isGroup = false
    let readsProgramsAtExec = false
    let followsRestarts = false

    func observe(_ event: ProcEvent, _ session: Session) {}

    func sampleTick(_ session: Session) {}

    func descriptorReadable(_ session: Session) {
        deadline?.timersReadable(session)
    }

    /// INT, TERM and HUP go to the command (unless the terminal already sent them to its whole
    /// process group); a second INT, or any of them once the command has ended, stops waiting.
    func handle(_ delivery: SignalChannel.Delivery, _ session: Session) {
        if delivery.signal == SignalNumber.interrupt { interrupts += 1 }
        let name = SignalName.of(Int(delivery.signal))
        guard let root = session.table.root, root.end == nil,
            !(delivery.signal == SignalNumber.interrupt && interrupts > 1)
        else {
            session.console.info("\(name): no longer waiting")
            stopReason = "stopped by \(name)"
            phase = .done
            return
        }
        let groupGotIt =
            delivery.fromKernel && ProcessControl.processGroup(of: root.pid) == ProcessControl.processGroup
        if !groupGotIt { ProcessControl.signal(root.pid, delivery.signal) }
        session.console.detail(
            "\(name) \(groupGotIt ? "reached" : "forwarded to") \(options.command[0]) (PID \(root.pid))")
    }

    func memberEnded(_ member: ProcessTable.Member, corrected: Bool, _ session: Session) {
        ledger.record(runProcess(member, session), startedNs: member.startedNs, correcting: corrected)
        // After a timeout the tree is being stopped: no grace period.
        guard member.pid == session.rootPid, !corrected, phase == .running, deadline?.timedOut != true else { return }
        let remaining = session.table.running.count
        guard remaining > 0 else { return }
        phase = .grace
        session.console.info(
            "\(options.command[0]) ended (\(member.end?.status?.description ?? "status unknown")); "
                + "waiting up to \(Format.seconds(options.graceNs)) s for \(remaining) remaining process(es)")
        if options.graceNs == 0 { timerFired(session) } else { try? session.scopeTimer.arm(firstNs: options.graceNs) }
    }

    func timerFired(_ session: Session) {
        // After a timeout the deadline owns the end: no grace, no --kill-orphans of its own.
        guard deadline?.timedOut != true else { return }
        let live = session.table.live
        switch phase {
        case .grace where options.killOrphans:
            session.console.info("Sending SIGTERM to \(live.count) remaining process(es) (--kill-orphans)")
            for pid in live.keys { ProcessControl.signal(pid, SignalNumber.terminate) }
            phase = .killing
            try? session.scopeTimer.arm(firstNs: Self.killGraceNs)
        case .grace:
            stopReason = "grace period over"
            phase = .done
        case .killing:
            session.console.info("Sending SIGKILL to \(live.count) process(es) that outlived SIGTERM")
            for pid in live.keys { ProcessControl.signal(pid, SignalNumber.kill) }
            phase = .grace  // their ends arrive as events; a second expiry stops waiting
            try? session.scopeTimer.arm(firstNs: Self.killGraceNs)
        case .running, .done:
            break
        }
    }

    func isDone(_ session: Session) -> Bool {
        if deadline?.isOver(session) == true { return true }
        // Timed out: only the deadline's end, or the user stopping us (a signal), ends it.
        if deadline?.timedOut == true { return phase == .done && stopReason != nil }
        return phase == .done || (session.table.root?.end != nil && session.table.live.isEmpty)
    }

    func endReason(_ session: Session) -> String {
        if notStarted { return "command failed to start" }
        if deadline?.timedOut == true { return "timed out after \(Format.duration(options.timeoutNs ?? 0))" }
        return stopReason ?? "command and its processes ended"
    }

    func finish(_ session: Session, unsavedRows: Int, stoppedAt: WallTime) -> Int32 {
        for member in session.table.live.values {
            ledger.record(runProcess(member, session), startedNs: member.startedNs)
        }
        let processes = ledger.listed.sorted { $0.started.nanoseconds < $1.started.nanoseconds }
        let root = session.table.root
        var report = RunReport(
            command: options.command, processes: processes,
            rootIndex: processes.firstIndex { $0.pid == root?.pid && $0.parentPid == ProcessControl.currentPID },
            started: session.startedAt, ended: stoppedAt, overflows: session.procEvents?.overflows ?? 0)
        report.notListedSucceeded = ledger.notListedSucceeded
        report.notListedFailed = ledger.notListedFailed
        report.longest = ledger.longest
        report.timeout = deadline?.capture
        session.console.raw(report.summary())
        if let path = options.reportPath { write(report.json(), to: path, what: "--report", session.console) }
        if let path = options.junitPath { write(report.junit(), to: path, what: "--junit", session.console) }
        if unsavedRows == 0 { session.console.info("Data saved to: \(options.recording.databasePath)") }

        if deadline?.timedOut == true { return ExitStatus.timedOut }
        // CMD's own status, as a shell reports it; while it still runs, the signal that stopped us.
        if let status = root?.end?.status { return Int32(status.shellCode) }
        if root?.end != nil { return ExitStatus.runFailed }
        return ExitStatus.stoppedBySignal(interrupts > 0 ? SignalNumber.interrupt : SignalNumber.terminate)
    }

    private func write(_ text: String, to path: String, what: String, _ console: Console) {
        do {
            try FileSystem.write(text, to: path)
        } catch {
            console.warning("cannot write \(what) \(path): \(error)")
        }
    }

    /// The member as the report lists it: its `processes` row, and whether it only forked.
    private func runProcess(_ member: ProcessTable.Member, _ session: Session) -> RunProcess {
        RunProcess(session.processRecord(member), isFork: member.execs == 0 && member.pid != session.rootPid)
    }
}
