import ArgusCore
import ArgusKernel
import ArgusStore
import Glibc

/// `argus-trace --pid/--process`: attach to one process, sample it, and see its end the instant
/// it happens. One epoll loop on this thread owns every source; rows go to the writer thread.
public final class Watcher {
    private enum Token: UInt64 {
        case procEvents = 1, sampleTimer, signals, pidfd, statusDeadline
    }

    /// How long to wait for the last thread's exit message once the pidfd says the group is gone.
    static let statusGraceNs: UInt64 = 100_000_000

    private let options: WatchOptions
    private let console: Console
    private let startedAt: WallTime
    private let startedMonotonicNs: UInt64

    public init(options: WatchOptions) {
        self.options = options
        console = Console(verbosity: options.verbosity)
        startedAt = WallTime(nanoseconds: Clocks.realtimeNs())
        startedMonotonicNs = Clocks.monotonicNs()
    }

    /// Runs to the end and returns argus-trace's exit status.
    public func run() -> Int32 {
        // Before any thread starts, so every thread inherits the mask and only signalfd sees them.
        let handled = [SIGINT, SIGTERM, SIGHUP]
        SignalChannel.block(handled)
        let signals: SignalChannel
        do {
            signals = try SignalChannel(signals: handled)
        } catch {
            console.error("cannot create a signalfd: \(error)")
            return ExitStatus.internalFailure
        }

        console.detail("Verbose mode enabled")
        console.detail("argus-trace version: \(ArgusVersion.current), kernel \(HostFacts.kernelRelease())")
        console.detail("Database path: \(options.databasePath)")

        // Subscribe before looking for the target, so no event of it can fall in between.
        var connector: ProcConnector?
        do {
            connector = try ProcConnector()
            console.detail("Proc connector: subscribed, receive buffer \(connector!.receiveBufferBytes >> 20) MiB")
        } catch {
            let why = HostFacts.isRoot ? "\(error)" : "\(error); older kernels allow it only with CAP_NET_ADMIN"
            console.warning(
                "proc connector unavailable (\(why)): the exit is seen through a pidfd and its status only "
                    + "while the process is an unreaped zombie")
        }

        let resolver = TargetResolver(console: console)
        let resolution: Resolution
        switch options.target {
        case .pid(let pid):
            resolution = resolver.byPID(pid)
        case .name(let name, let wait):
            if let found = resolver.byName(name) {
                resolution = .found(found)
            } else if !wait {
                resolution = .failed("no process named '\(name)' is running (use --wait to wait for one)")
            } else if let connector {
                resolution = resolver.waitForExec(of: name, connector: connector, signals: signals)
            } else {
                resolution = .failed("--wait needs the proc connector, which is unavailable")
            }
        }
        switch resolution {
        case .failed(let message):
            console.error(message)
            return ExitStatus.targetNotFound
        case .stopped(let signal):
            console.info("Stopped by \(SignalName.of(Int(signal))) while waiting")
            return ExitStatus.stoppedBySignal(signal)
        case .found(let target):
            return watch(target, connector: connector, signals: signals)
        }
    }

    private func watch(_ target: ResolvedTarget, connector: ProcConnector?, signals: SignalChannel) -> Int32 {
        let pid = target.pid
        let handle: ProcessHandle
        do {
            handle = try ProcessHandle(pid: pid)
        } catch {
            console.error("process \(pid) exited before it could be watched")
            return ExitStatus.targetNotFound
        }
        // The pidfd names whatever had this pid when it was opened: make sure that is the target.
        guard ProcessReader.stat(pid)?.startTicks == target.startTicks else {
            console.error("process \(pid) exited before it could be watched")
            return ExitStatus.targetNotFound
        }
        do {
            try connector?.keepOnly(tgid: pid)
        } catch {
            console.detail("Could not filter proc events in the kernel (\(error)); filtering in user space")
        }

        let appName = options.appName ?? target.comm
        var processName = target.comm
        console.detail("Detected application name: \(appName) (\(options.appName == nil ? "from process name" : "from --app-name"))")

        let session = SessionInfo(
            startedAt: startedAt, arguments: options.arguments, version: ArgusVersion.current,
            kernel: HostFacts.kernelRelease(), bootID: HostFacts.bootID(), hostname: HostFacts.hostname(), mode: "watch")
        let console = self.console
        let writer = RecordWriter(
            RecordWriter.Configuration(path: options.databasePath, session: session),
            warn: { console.warning($0) })

        var clock = ClockMapping(realtimeNs: Clocks.realtimeNs(), monotonicNs: Clocks.monotonicNs())
        var tracker = Tracker(tgid: pid, threads: ProcessReader.liveThreadIDs(pid))
        var sampler = Sampler(pid: pid, startTicks: target.startTicks)
        var samples = 0
        if !sampler.files.unreadable.isEmpty {
            console.warning(
                "not permitted to read \(sampler.files.unreadable.joined(separator: ", ")) of process \(pid)"
                    + (HostFacts.isRoot ? "" : " (run as root or as the process's user)") + "; those columns stay empty")
        }

        func event(_ type: ProcessEventType, at time: WallTime, detail: String? = nil) -> Record {
            .event(
                ProcessEventRecord(
                    time: time, appName: appName, processName: processName, pid: pid, type: type,
                    startTicks: target.startTicks, detail: detail))
        }

        console.info("Starting monitoring: \(appName)")
        console.info("Process: \(processName) (PID: \(pid))")
        for path in options.logfiles {
            console.info("Log file: \(path)")
            console.warning("log tailing is not implemented yet: \(path) is not followed")
        }
        console.info("Collection interval: \(Self.format(seconds: options.intervalNs)) seconds")
        console.info("Timestamp: \(startedAt.consoleString)")
        console.blank()

        writer.submit(.session(SessionUpdate(appName: appName, targetPid: pid, targetName: processName)))
        if let exec = target.execMonotonicNs {
            writer.submit(event(.started, at: clock.wallTime(monotonicNs: exec), detail: "seen by --wait"))
        }
        writer.submit(event(.monitoringStarted, at: WallTime(nanoseconds: Clocks.realtimeNs())))

        func takeSample() {
            guard let row = sampler.sample(appName: appName, processName: processName) else { return }
            samples += 1
            writer.submit(.metric(row))
            console.info(
                "Metrics: CPU=\(Self.format(row.cpuPercent))% | Memory=\(Self.format(row.memoryMB))MB | "
                    + "Threads=\(row.threadCount)")
            console.detail(
                "  VMS=\(Self.format(row.vmsMB))MB fds=\(row.openFds.map(String.init) ?? "?") "
                    + "faults=\(row.minorFaults)/\(row.majorFaults) ctxsw=\(row.voluntarySwitches ?? 0)/"
                    + "\(row.involuntarySwitches ?? 0) io=\(row.readBytes ?? 0)/\(row.writeBytes ?? 0)B state=\(row.state)")
        }
        takeSample()

        let epoll: Epoll
        let sampleTimer: Timer
        let deadline: Timer
        do {
            epoll = try Epoll()
            sampleTimer = try Timer()
            deadline = try Timer()
            if let connector { try epoll.watchReadable(connector.descriptor, token: Token.procEvents.rawValue) }
            try epoll.watchReadable(sampleTimer.descriptor.rawValue, token: Token.sampleTimer.rawValue)
            try epoll.watchReadable(signals.descriptor.rawValue, token: Token.signals.rawValue)
            try epoll.watchReadable(handle.descriptor.rawValue, token: Token.pidfd.rawValue)
            try epoll.watchReadable(deadline.descriptor.rawValue, token: Token.statusDeadline.rawValue)
            try sampleTimer.arm(firstNs: options.intervalNs, intervalNs: options.intervalNs)
        } catch {
            console.error("cannot set up the event loop: \(error)")
            _ = writer.close()
            return ExitStatus.internalFailure
        }

        var end: Tracker.End?
        var stopSignal: Int32?
        var overflowWarned = false

        func apply(_ outputs: [Tracker.Output]) {
            for output in outputs {
                switch output {
                case .threadStarted(let tid): console.detail("Thread started: \(tid)")
                case .threadEnded(let tid): console.detail("Thread exited: \(tid)")
                case .renamed(let name): processName = name
                case .exec(let at):
                    processName = ProcessReader.stat(pid)?.comm ?? processName
                    let exe = ProcFS.link("/proc/\(pid)/exe")
                    writer.submit(event(.exec, at: clock.wallTime(monotonicNs: at), detail: exe))
                    console.info("Process exec: \(processName)\(exe.map { " (\($0))" } ?? "")")
                case .threadsGone:
                    if handle.hasExited {
                        apply(tracker.groupExited(monotonicNs: Clocks.monotonicNs()))
                    } else {
                        // A thread we never heard of is still alive (its fork message was lost).
                        tracker.resync(threads: ProcessReader.liveThreadIDs(pid))
                    }
                case .ended(let ended):
                    end = ended
                }
            }
        }

        func drainEvents() {
            guard let connector else { return }
            do {
                let overflowed = try connector.drain { apply(tracker.apply($0)) }
                if overflowed {
                    if !overflowWarned {
                        console.warning("the kernel dropped proc connector messages (ENOBUFS); resyncing from /proc")
                        overflowWarned = true
                    }
                    tracker.resync(threads: ProcessReader.liveThreadIDs(pid))
                }
            } catch {
                console.warning("reading the proc connector failed: \(error)")
            }
        }

        while end == nil && stopSignal == nil {
            let ready: [UInt64]
            do {
                ready = try epoll.wait(timeoutMs: -1)
            } catch {
                console.error("event loop failed: \(error)")
                break
            }
            // Kernel events first, always: an undrained socket overflows.
            drainEvents()
            for token in ready.compactMap(Token.init(rawValue:)) where end == nil {
                switch token {
                case .procEvents:
                    break
                case .sampleTimer:
                    sampleTimer.acknowledge()
                    clock.refresh(realtimeNs: Clocks.realtimeNs(), monotonicNs: Clocks.monotonicNs())
                    takeSample()
                case .signals:
                    stopSignal = signals.pending().first ?? stopSignal
                case .pidfd:
                    epoll.unwatch(handle.descriptor.rawValue)
                    apply(tracker.groupExited(monotonicNs: Clocks.monotonicNs()))
                    if end == nil {
                        try? deadline.arm(firstNs: connector == nil ? 1 : Self.statusGraceNs)
                    }
                case .statusDeadline:
                    deadline.acknowledge()
                    apply(tracker.statusDeadlinePassed(monotonicNs: Clocks.monotonicNs(), fallback: zombieStatus(target)))
                }
            }
        }

        let stoppedAt = WallTime(nanoseconds: Clocks.realtimeNs())
        if let end {
            let status = end.status
            writer.submit(
                .event(
                    ProcessEventRecord(
                        time: clock.wallTime(monotonicNs: end.monotonicNs), appName: appName,
                        processName: processName, pid: pid, type: .terminated, exitCode: status?.shellCode,
                        signal: status?.signal, coreDumped: status.map(\.coreDumped), startTicks: target.startTicks,
                        source: end.source, detail: status.map(\.description) ?? "exit status unknown")),
                urgent: true)
            console.blank()
            console.info("Process terminated (\(status?.description ?? "exit status unknown"))")
        } else if let stopSignal {
            console.blank()
            console.info("Stopped by \(SignalName.of(Int(stopSignal))); process \(pid) is still running")
        }
        let reason = end != nil ? "target exited" : stopSignal.map { "stopped by \(SignalName.of(Int($0)))" } ?? "error"
        writer.submit(event(.monitoringStopped, at: stoppedAt, detail: reason))
        writer.submit(
            .session(
                SessionUpdate(
                    endedAt: stoppedAt, eventsSeen: connector?.eventsReceived, eventOverflows: connector?.overflows,
                    endReason: reason)),
            urgent: true)
        let report = writer.close()

        let seconds = Double(Clocks.monotonicNs() - startedMonotonicNs) / 1e9
        console.info("Total monitoring time: \(Self.format(seconds)) seconds")
        console.info("Metrics collected: \(samples)")
        console.info("Log entries captured: \(report.logsWritten)")
        if let overflows = connector?.overflows, overflows > 0 {
            console.warning("the kernel reported \(overflows) proc connector overflow(s); some events were lost")
        }
        if report.unsaved > 0 {
            console.warning(
                "\(report.unsaved) row(s) could not be saved to \(options.databasePath): \(report.lastError ?? "unknown error")")
            return ExitStatus.rowsUnsaved
        }
        console.info("Data saved to: \(options.databasePath)")
        return stopSignal.map(ExitStatus.stoppedBySignal) ?? ExitStatus.success
    }

    /// The raw wait status in a zombie's /proc/PID/stat, while its parent has not reaped it.
    private func zombieStatus(_ target: ResolvedTarget) -> WaitStatus? {
        guard let stat = ProcessReader.stat(target.pid), stat.startTicks == target.startTicks, stat.state == "Z",
            let code = stat.exitCode
        else { return nil }
        return WaitStatus(raw: code)
    }

    static func format(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)).0" : "\(tenths)"
    }

    static func format(seconds ns: UInt64) -> String {
        ns % 1_000_000_000 == 0 ? String(ns / 1_000_000_000) : format(Double(ns) / 1e9)
    }
}
