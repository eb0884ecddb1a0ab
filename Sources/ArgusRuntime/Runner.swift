import ArgusCore
import ArgusKernel
import ArgusStore
import Glibc

/// `argus-trace run -- CMD`: runs CMD, follows every descendant through the proc connector,
/// reaps orphans as a subreaper, records how each process ended, and exits with CMD's status.
public final class Runner {
    enum Token: UInt64 {
        case procEvents = 1, sampleTimer, signals, logEvents, graceTimer, bpfExits
    }

    /// After --kill-orphans sent SIGTERM, how long before SIGKILL.
    static let killGraceNs: UInt64 = 2_000_000_000

    let options: RunOptions
    let console: Console
    let startedAt: WallTime
    var clock = ClockMapping(realtimeNs: Clocks.realtimeNs(), monotonicNs: Clocks.monotonicNs())
    var writer: RecordWriter!
    var connector: ProcConnector?
    var tree: ProcessTree!
    var appName = ""
    /// What each process runs, by pid and start (pids are reused).
    var details: [ProcessKey: CommandDetails] = [:]
    var samplers: [Int32: Sampler] = [:]
    var logTail: LogTail?
    var kernelCounters: KernelCounterSource?
    var phase = Phase.running
    var interrupts = 0
    var stopReason: String?
    var overflowWarned = false

    enum Phase {
        case running
        /// CMD ended; others are still running until the grace period ends.
        case grace
        /// --kill-orphans sent SIGTERM; SIGKILL follows.
        case killing
        case done
    }

    public init(options: RunOptions) {
        self.options = options
        console = Console(verbosity: options.recording.verbosity, progressTo: 2)
        startedAt = WallTime(nanoseconds: Clocks.realtimeNs())
    }

    public func run() -> Int32 {
        let handled = [SIGINT, SIGTERM, SIGHUP, SIGCHLD]
        SignalChannel.block(handled)
        let signals: SignalChannel
        let epoll: Epoll
        let sampleTimer: Timer
        let graceTimer: Timer
        do {
            signals = try SignalChannel(signals: handled)
            epoll = try Epoll()
            sampleTimer = try Timer()
            graceTimer = try Timer()
        } catch {
            console.error("cannot set up the event loop: \(error)")
            return ExitStatus.runFailed
        }
        do {
            connector = try ProcConnector(receiveBufferBytes: ProcConnectorSettings.receiveBufferBytes)
        } catch {
            console.warning(
                "proc connector unavailable (\(error)): only the command and the orphans argus-trace reaps are "
                    + "followed, through their wait status")
        }
        do {
            try ProcessControl.becomeSubreaper()
        } catch {
            console.warning("cannot become a child subreaper (\(error)): orphans are seen only through the proc connector")
        }

        appName = options.recording.appName ?? (options.command[0].split(separator: "/").last.map(String.init) ?? options.command[0])
        let session = SessionInfo(
            startedAt: startedAt, arguments: options.recording.arguments, version: ArgusVersion.current,
            kernel: HostFacts.kernelRelease(), bootID: HostFacts.bootID(), hostname: HostFacts.hostname(), mode: "run")
        let console = self.console
        writer = RecordWriter(
            RecordWriter.Configuration(path: options.recording.databasePath, session: session), warn: { console.warning($0) })

        // Logs are followed from before CMD starts, so its first lines are caught.
        let logs = LogTail.start(paths: options.recording.logfiles, console: console)
        logTail = logs?.0
        // Loaded before CMD starts: the kernel then follows every child it forks.
        kernelCounters = KernelCounterSource.start(
            enabled: options.recording.useBPF, followForks: true,
            runQueueHistogram: options.recording.runQueueHistogram, console: console)
        kernelCounters?.watchSelfForks()
        let pid: Int32
        let spawnedNs = Clocks.monotonicNs()
        do {
            pid = try ProcessControl.spawn(options.command)
        } catch {
            return failedToStart(error)
        }
        console.detail("Started \(options.command.joined(separator: " ")) as PID \(pid)")
        kernelCounters?.stopWatchingSelf()
        kernelCounters?.watch(pid)
        tree = ProcessTree(
            rootPid: pid, parentPid: ProcessControl.currentPID, startedNs: spawnedNs, reaperPid: ProcessControl.currentPID)
        details[ProcessKey(pid: pid, startedNs: spawnedNs)] = CommandDetails(
            comm: nil, exe: nil, argv: options.command)
        writer.submit(.session(SessionUpdate(appName: appName, targetPid: pid, targetName: options.command[0])))
        writer.submit(event(.monitoringStarted, pid: pid, at: startedAt))
        writer.submit(event(.started, pid: pid, at: clock.wallTime(monotonicNs: spawnedNs)))

        do {
            if let connector { try epoll.watchReadable(connector.descriptor, token: Token.procEvents.rawValue) }
            try epoll.watchReadable(signals.descriptor.rawValue, token: Token.signals.rawValue)
            try epoll.watchReadable(sampleTimer.descriptor.rawValue, token: Token.sampleTimer.rawValue)
            try epoll.watchReadable(graceTimer.descriptor.rawValue, token: Token.graceTimer.rawValue)
            if let ring = kernelCounters?.exitDescriptor { try epoll.watchReadable(ring, token: Token.bpfExits.rawValue) }
            try sampleTimer.arm(firstNs: options.recording.intervalNs, intervalNs: options.recording.intervalNs)
        } catch {
            console.error("cannot set up the event loop: \(error)")
        }
        if let logTail {
            do {
                try epoll.watchReadable(logTail.descriptor, token: Token.logEvents.rawValue)
            } catch {
                console.warning("cannot follow log files in the event loop (\(error)); metrics continue")
            }
        }
        if let logs { record(logs.1) }

        while phase != .done {
            let ready: [UInt64]
            do {
                ready = try epoll.wait(timeoutMs: -1)
            } catch {
                console.error("event loop failed: \(error)")
                stopReason = "error"
                break
            }
            drainEvents()
            for token in ready.compactMap(Token.init(rawValue:)) {
                switch token {
                case .procEvents: break
                case .sampleTimer:
                    sampleTimer.acknowledge()
                    clock.refresh(realtimeNs: Clocks.realtimeNs(), monotonicNs: Clocks.monotonicNs())
                    sampleAll()
                case .signals:
                    for delivery in signals.deliveries() { handle(delivery) }
                case .logEvents:
                    record(logTail?.handleEvents() ?? [])
                case .graceTimer:
                    graceTimer.acknowledge()
                    graceEnded(graceTimer)
                case .bpfExits:
                    kernelCounters?.collect()
                }
            }
            advance(graceTimer)
        }
        return finish()
    }

    /// Moves between phases as processes end.
    private func advance(_ graceTimer: Timer) {
        guard tree.root?.end != nil else { return }
        if tree.live.isEmpty {
            phase = .done
            return
        }
        let remaining = tree.running.count
        if phase == .running && remaining > 0 {
            phase = .grace
            console.info(
                "\(options.command[0]) ended (\(tree.root?.end?.status?.description ?? "status unknown")); "
                    + "waiting up to \(Watcher.format(seconds: options.graceNs)) s for \(remaining) remaining process(es)")
            if options.graceNs == 0 { graceEnded(graceTimer) } else { try? graceTimer.arm(firstNs: options.graceNs) }
        }
    }

    private func graceEnded(_ graceTimer: Timer) {
        switch phase {
        case .grace where options.killOrphans:
            console.info("Sending SIGTERM to \(tree.live.count) remaining process(es) (--kill-orphans)")
            for pid in tree.live.keys { ProcessControl.signal(pid, SIGTERM) }
            phase = .killing
            try? graceTimer.arm(firstNs: Self.killGraceNs)
        case .grace:
            stopReason = "grace period over"
            phase = .done
        case .killing:
            console.info("Sending SIGKILL to \(tree.live.count) process(es) that outlived SIGTERM")
            for pid in tree.live.keys { ProcessControl.signal(pid, SIGKILL) }
            phase = .grace  // their ends arrive as events; a second expiry stops waiting
            try? graceTimer.arm(firstNs: Self.killGraceNs)
        case .running, .done:
            break
        }
    }

    /// INT, TERM and HUP go to the command (unless the terminal already sent them to its whole
    /// process group); a second INT, or any of them once the command has ended, stops waiting.
    private func handle(_ delivery: SignalChannel.Delivery) {
        if delivery.signal == SIGCHLD {
            for (pid, status) in ProcessControl.reapAll() {
                apply(tree.reaped(pid, status: status, monotonicNs: Clocks.monotonicNs()))
            }
            return
        }
        if delivery.signal == SIGINT { interrupts += 1 }
        let name = SignalName.of(Int(delivery.signal))
        guard tree.root?.end == nil, !(delivery.signal == SIGINT && interrupts > 1) else {
            console.info("\(name): no longer waiting")
            stopReason = "stopped by \(name)"
            phase = .done
            return
        }
        let rootPid = tree.rootPid
        let groupGotIt = delivery.fromKernel && getpgid(rootPid) == ProcessControl.processGroup
        if !groupGotIt { ProcessControl.signal(rootPid, delivery.signal) }
        console.detail("\(name) \(groupGotIt ? "reached" : "forwarded to") \(options.command[0]) (PID \(rootPid))")
    }

    private func failedToStart(_ error: Errno) -> Int32 {
        let notFound = error == .noSuchFile
        console.error("\(options.command[0]): \(notFound ? "command not found" : "cannot run: \(error)")")
        writer.submit(.session(SessionUpdate(endedAt: WallTime(nanoseconds: Clocks.realtimeNs()), endReason: "command failed to start")))
        _ = writer.close()
        return notFound ? ExitStatus.commandNotFound : ExitStatus.commandNotExecutable
    }

}

/// A process of the tree: its pid and when it started (a pid alone is reused).
struct ProcessKey: Hashable {
    var pid: Int32
    var startedNs: UInt64
}

/// What a process runs, as read from /proc at its exec (a forked child runs its parent's).
struct CommandDetails {
    var comm: String?
    var exe: String?
    var argv: [String]?
}
