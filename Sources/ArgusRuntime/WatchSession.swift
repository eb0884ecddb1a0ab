import ArgusCore
import ArgusKernel
import ArgusStore
import Glibc

/// One watch of one process, from attach to its end: the epoll loop over the proc connector,
/// the sample timer, signals, the target's pidfd and the followed logs. Everything here runs
/// on the loop thread; rows go to the writer thread.
final class WatchSession {
    private enum Token: UInt64 {
        case procEvents = 1, sampleTimer, signals, pidfd, statusDeadline, logEvents, stallTimer
    }

    /// How long to wait for the last thread's exit message once the pidfd says the group is gone.
    static let statusGraceNs: UInt64 = 100_000_000

    let target: ResolvedTarget
    let options: WatchOptions
    let console: Console
    let appName: String
    var processName: String
    let writer: RecordWriter
    private let handle: ProcessHandle
    private let connector: ProcConnector?
    private let signals: SignalChannel
    private let startedMonotonicNs: UInt64
    var clock = ClockMapping(realtimeNs: Clocks.realtimeNs(), monotonicNs: Clocks.monotonicNs())
    private var tracker: Tracker
    private var sampler: Sampler
    private var logTail: LogTail?
    private var kernelCounters: KernelCounterSource?
    private var stallMonitor: StallMonitor?
    /// When the last log line arrived (or watching began), for the log-silence stall.
    var lastLogLineNs: UInt64 = 0
    var samples = 0
    var logLines = 0
    private var end: ProcessEnd?
    private var stopSignal: Int32?
    private var overflowWarned = false

    init(
        target: ResolvedTarget, options: WatchOptions, session: SessionInfo, console: Console, handle: ProcessHandle,
        connector: ProcConnector?, signals: SignalChannel, startedMonotonicNs: UInt64
    ) {
        self.target = target
        self.options = options
        self.console = console
        self.handle = handle
        self.connector = connector
        self.signals = signals
        self.startedMonotonicNs = startedMonotonicNs
        appName = options.recording.appName ?? target.comm
        processName = target.comm
        writer = RecordWriter(
            RecordWriter.Configuration(path: options.recording.databasePath, session: session),
            warn: { [console] in console.warning($0) })
        tracker = Tracker(tgid: target.pid, threads: ProcessReader.liveThreadIDs(target.pid))
        sampler = Sampler(pid: target.pid, startTicks: target.startTicks)
    }

    var pid: Int32 { target.pid }

    func run() -> Int32 {
        console.detail(
            "Detected application name: \(appName) (\(options.recording.appName == nil ? "from process name" : "from --app-name"))")
        // Every source is ready, and the first sample taken, before the header says we are attached.
        kernelCounters = KernelCounterSource.start(
            enabled: options.recording.useBPF, followForks: false,
            runQueueHistogram: options.recording.runQueueHistogram, console: console)
        kernelCounters?.watch(pid)
        let first = sample()
        let logs = LogTail.start(paths: options.recording.logfiles, console: console)
        logTail = logs?.0
        if options.stalls.enabled {
            stallMonitor = StallMonitor(
                pid: pid, appName: appName, startTicks: target.startTicks, settings: options.stalls, console: console)
        }
        lastLogLineNs = Clocks.monotonicNs()
        let attachedAt = WallTime(nanoseconds: Clocks.realtimeNs())
        printHeader()
        if !sampler.files.unreadable.isEmpty {
            console.warning(
                "not permitted to read \(sampler.files.unreadable.joined(separator: ", ")) of process \(pid)"
                    + (HostFacts.isRoot ? "" : " (run as root or as the process's user)") + "; those columns stay empty")
        }
        writer.submit(.session(SessionUpdate(appName: appName, targetPid: pid, targetName: processName)))
        if let exec = target.execMonotonicNs {
            writer.submit(event(.started, at: clock.wallTime(monotonicNs: exec), detail: "seen by --wait"))
        }
        // Stamped when every source was ready, before the header said so: anything the target
        // does after that comes after this row.
        writer.submit(event(.monitoringStarted, at: attachedAt))
        if let first { record(sample: first) }
        if let logs { record(logs.1) }

        let epoll: Epoll
        let sampleTimer: Timer
        let deadline: Timer
        let stallTimer: Timer
        do {
            epoll = try Epoll()
            sampleTimer = try Timer()
            deadline = try Timer()
            stallTimer = try Timer()
            if let connector { try epoll.watchReadable(connector.descriptor, token: Token.procEvents.rawValue) }
            try epoll.watchReadable(sampleTimer.descriptor.rawValue, token: Token.sampleTimer.rawValue)
            try epoll.watchReadable(signals.descriptor.rawValue, token: Token.signals.rawValue)
            try epoll.watchReadable(handle.descriptor.rawValue, token: Token.pidfd.rawValue)
            try epoll.watchReadable(deadline.descriptor.rawValue, token: Token.statusDeadline.rawValue)
            // The exit probe's ring buffer is read when the end is being settled, not watched:
            // waking for it first delayed reading the proc connector's message (0.4 -> 0.75 ms median).
            try sampleTimer.arm(firstNs: options.recording.intervalNs, intervalNs: options.recording.intervalNs)
            if stallMonitor != nil {
                try epoll.watchReadable(stallTimer.descriptor.rawValue, token: Token.stallTimer.rawValue)
                try stallTimer.arm(firstNs: 1, intervalNs: options.stalls.sampleIntervalNs)
            }
        } catch {
            console.error("cannot set up the event loop: \(error)")
            _ = writer.close()
            return ExitStatus.internalFailure
        }
        if let logTail {
            do {
                try epoll.watchReadable(logTail.descriptor, token: Token.logEvents.rawValue)
            } catch {
                console.warning("cannot follow log files in the event loop (\(error)); metrics continue")
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
                    kernelCounters?.collect()  // keeps the probes' ring buffers from filling
                    takeSample()
                case .signals:
                    stopSignal = signals.pending().first ?? stopSignal
                case .pidfd:
                    epoll.unwatch(handle.descriptor.rawValue)
                    apply(tracker.groupExited(monotonicNs: Clocks.monotonicNs()))
                    if end == nil { try? deadline.arm(firstNs: connector == nil ? 1 : Self.statusGraceNs) }
                case .statusDeadline:
                    deadline.acknowledge()
                    // The proc connector's message never came: the BPF probe's status, else the zombie's.
                    kernelCounters?.collect()
                    let probed = kernelCounters?.exits[pid].map(\.status)
                    apply(tracker.statusDeadlinePassed(monotonicNs: Clocks.monotonicNs(), fallback: probed ?? zombieStatus()))
                case .logEvents:
                    record(logTail?.handleEvents() ?? [])
                case .stallTimer:
                    stallTimer.acknowledge()
                    checkStalls()
                }
            }
        }
        return finish()
    }


    private func checkStalls() {
        guard let stallMonitor else { return }
        let silence = options.recording.logfiles.isEmpty ? nil : lastLogLineNs
        submitStallRecords(stallMonitor.tick(clock: clock, processName: processName, lastLogLineNs: silence))
    }

    /// Stall rows are committed at once; fine samples and snapshots go with the next batch.
    private func submitStallRecords(_ records: [Record]) {
        guard !records.isEmpty else { return }
        let urgent = records.contains {
            if case .stall = $0 { return true }
            if case .stallEnd = $0 { return true }
            return false
        }
        writer.submit(records, urgent: urgent)
    }

    private func takeSample() {
        if let row = sample() { record(sample: row) }
    }

    private func sample() -> MetricRecord? {
        guard var row = sampler.sample(appName: appName, processName: processName) else { return nil }
        row.kernel = kernelCounters?.deltas(for: pid)
        return row
    }

    private func record(sample row: MetricRecord) {
        samples += 1
        writer.submit(.metric(row))
        console.info(
            "Metrics: CPU=\(Watcher.format(row.cpuPercent))% | Memory=\(Watcher.format(row.memoryMB))MB | "
                + "Threads=\(row.threadCount)")
        console.detail(
            "  VMS=\(Watcher.format(row.vmsMB))MB fds=\(row.openFds.map(String.init) ?? "?") "
                + "faults=\(row.minorFaults)/\(row.majorFaults) ctxsw=\(row.voluntarySwitches ?? 0)/"
                + "\(row.involuntarySwitches ?? 0) io=\(row.readBytes ?? 0)/\(row.writeBytes ?? 0)B state=\(row.state)")
        if let kernel = row.kernel { console.detail(KernelCounterSource.describe(kernel)) }
    }

    private func apply(_ outputs: [Tracker.Output]) {
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

    private func drainEvents() {
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

    /// Saves the end, the last log lines and the session, prints the summary, and returns the
    /// exit status.
    private func finish() -> Int32 {
        if let logTail { record(logTail.finish()) }
        if let stallMonitor {
            submitStallRecords(
                stallMonitor.finish(
                    clock: clock, processName: processName, reason: end != nil ? "process ended" : "watching stopped",
                    processAlive: end == nil))
        }
        let stoppedAt = WallTime(nanoseconds: Clocks.realtimeNs())
        if let end {
            kernelCounters?.collect()
            let probed = kernelCounters?.exits[pid]?.status
            if let probed, let status = end.status, probed != status {
                console.warning("the BPF exit probe saw \(probed) where the \(end.source) said \(status)")
            }
            writer.submit(terminated(end, probed: probed), urgent: true)
            console.blank()
            console.info("Process terminated (\(end.status?.description ?? "exit status unknown"))")
        } else if let stopSignal {
            console.blank()
            console.info("Stopped by \(SignalName.of(Int(stopSignal))); process \(pid) is still running")
        }
        let reason = end != nil ? "target exited" : stopSignal.map { "stopped by \(SignalName.of(Int($0)))" } ?? "error"
        writer.submit(event(.monitoringStopped, at: stoppedAt, detail: reason))
        let report = writer.closeSession(
            at: stoppedAt, reason: reason, connector: connector, databasePath: options.recording.databasePath, console: console)

        let seconds = Double(Clocks.monotonicNs() - startedMonotonicNs) / 1e9
        console.info("Total monitoring time: \(Watcher.format(seconds)) seconds")
        console.info("Metrics collected: \(samples)")
        console.info("Log entries captured: \(logLines)")
        if let stallMonitor { console.info("Stalls detected: \(stallMonitor.stallCount)") }
        if let overflows = connector?.overflows, overflows > 0 {
            console.warning("the kernel reported \(overflows) proc connector overflow(s); some events were lost")
        }
        if report.unsaved > 0 { return ExitStatus.rowsUnsaved }
        console.info("Data saved to: \(options.recording.databasePath)")
        return stopSignal.map(ExitStatus.stoppedBySignal) ?? ExitStatus.success
    }

    /// The raw wait status in a zombie's /proc/PID/stat, while its parent has not reaped it.
    private func zombieStatus() -> WaitStatus? {
        guard let stat = ProcessReader.stat(pid), stat.startTicks == target.startTicks, stat.state == "Z",
            let code = stat.exitCode
        else { return nil }
        return WaitStatus(raw: code)
    }
}
