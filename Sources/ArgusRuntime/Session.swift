import ArgusCore
import ArgusKernel
import ArgusStore

/// One recording, from start to end, in any mode: the epoll loop over every source (proc
/// connector, sample timer, signals, pidfds, log files, the stall ring's timer, the BPF exit
/// ring, background results), the one process table, and the sinks. The scope says which
/// processes are members and when it ends; everything else is here, once.
///
/// Everything runs on the loop thread. Rows go to the sinks; slow work (machine-wide /proc
/// scans) goes to `background`. Kernel events are drained first on every wake-up that reports
/// them (and on every wake-up while a burst of them is held).
public final class Session {
    enum Token: UInt64 {
        case procEvents = 1
        case sampleTimer, signals, statusTimer, logEvents, stallTimer, scopeTimer, bpfExits, background
        case scopeEvents, eventHold
        /// pidfds carry the member's pid in the low 32 bits.
        static let pidfdBase: UInt64 = 1 << 32
    }

    /// How long to wait for the last thread's exit message once a pidfd says the group is gone.
    var statusGraceNs: UInt64 = 100_000_000

    let scope: Scope
    let settings: RecordingSettings
    let stallSettings: StallSettings
    let console: Console
    let startedAt = WallTime(nanoseconds: Clocks.realtimeNs())
    let startedMonotonicNs = Clocks.monotonicNs()
    var clock = ClockMapping(realtimeNs: Clocks.realtimeNs(), monotonicNs: Clocks.monotonicNs())
    var table: ProcessTable
    /// The name recorded as app_name: --app-name, else the root's name.
    var appName: String
    var sinks: [RecordSink] = []
    var writer: RecordWriter?
    /// --metrics-listen: the Prometheus exporter (also one of the sinks once the store is open).
    var metrics: PrometheusExporter?
    var procEvents: ProcEventSource?
    var kernelCounters: KernelCounterSource?
    var logTail: LogTail?
    var stallMonitor: StallMonitor?
    var samplers: [Int32: Sampler] = [:]
    var pidfds: [Int32: ProcessHandle] = [:]
    /// Members whose pidfd said they are gone, waiting for their last exit message.
    var awaitingStatus: Set<Int32> = []
    var background: BackgroundWork!
    var epoll: Epoll!
    var sampleTimer: Timer!
    var statusTimer: Timer!
    var stallTimer: Timer!
    /// The stall ring's tick interval now (faster while a member is busy; StallPacing).
    var stallTickNs: UInt64 = 0
    /// The stall ring's timer is disarmed: the sample ticks carry the quiet ring.
    var stallTimerCarried = false
    /// The scope's own one-shot timer.
    var scopeTimer: Timer!
    /// Reads the kernel's event descriptors while a burst keeps them from waking the loop.
    var holdTimer: Timer!
    var eventPacing = EventPacing()
    /// The exit probe's ring, when it wakes the loop (`run`).
    var watchedExitRing: Int32?
    /// Times the proc connector or the exit ring woke the loop.
    var eventWakeups = 0
    var signals: SignalChannel!
    var samples = 0
    /// The root's first sample, taken at attach and recorded once the header is out.
    var pendingFirstSample: MetricRecord?
    var logLines = 0
    /// When the last log line arrived (or watching began), for the log-silence stall.
    var lastLogLineNs = Clocks.monotonicNs()
    /// The signal that stopped the session, when one did.
    var stopSignal: Int32?
    /// The session is ending: late background results must not start anything new.
    var isEnding = false
    var overflowWarned = false
    /// The incarnation of the service being watched: 1, then one more at each restart.
    var generation = 1
    /// Members started and ended since the last group row.
    var startedSinceGroupRow = 0
    var endedSinceGroupRow = 0
    var resync = ResyncState.idle
    /// The alert rules' state (nil without rules), and what the session keeps per alert.
    var alerts: AlertEvaluator?
    var alertBook = AlertBook()
    private let injectedEvents: ProcEventSource?

    enum ResyncState {
        case idle, running, again
    }

    /// A session for `scope`. `procEvents` replaces the proc connector (tests script events).
    init(
        scope: Scope, settings: RecordingSettings, stalls: StallSettings, procEvents: ProcEventSource? = nil,
        sinks: [RecordSink] = []
    ) {
        self.scope = scope
        self.settings = settings
        stallSettings = stalls
        console = Console(verbosity: settings.verbosity, progressTo: scope.progressDescriptor)
        table = ProcessTable(
            followsChildren: scope.followsChildren, reaperPid: scope.reaps ? ProcessControl.currentPID : nil)
        appName = settings.appName ?? ""
        if !settings.alertRules.isEmpty {
            alerts = AlertEvaluator(rules: settings.alertRules, intervalNs: settings.intervalNs)
        }
        injectedEvents = procEvents
        self.sinks = sinks
    }

    var rootPid: Int32? { table.rootPid }

    /// Runs to the end and returns argus-trace's exit status.
    public func run() -> Int32 {
        if let failure = setUp() { return failure }
        switch scope.begin(self) {
        case .failed(let status):
            closeWithoutRoot(reason: scope.endReason(self))
            return status
        case .attached, .waiting:
            break
        }
        while !scope.isDone(self) {
            endEventHoldIfNotAllowed()  // the scope may have gone back to waiting for an exec
            let ready: [UInt64]
            do {
                ready = try epoll.wait(timeoutMs: logTail?.hasBacklog == true ? 0 : -1)
            } catch {
                console.error("event loop failed: \(error)")
                stopSignal = stopSignal ?? 0
                break
            }
            // Kernel events first: an undrained socket overflows, and an exit or exec read now is
            // applied before the timers' work. While a burst is held, the exit ring first: a
            // member's end takes the exit probe's status from it. The socket is read when epoll
            // says it is readable (or failed), while a burst is held (it is then watched for
            // nothing), and when the wait filled its list (it may be among those left out); a
            // timer's wake-up alone reads nothing from it.
            if eventPacing.holding { kernelCounters?.collect() }
            if eventPacing.holding || ready.contains(Token.procEvents.rawValue) || ready.count == epoll.capacity {
                drainEvents()
            }
            if ready.contains(Token.procEvents.rawValue) || ready.contains(Token.bpfExits.rawValue) {
                eventDescriptorsWoke()
            }
            for token in ready { dispatch(token) }
            if let logTail, logTail.hasBacklog { record(logTail.resume()) }
        }
        return finish()
    }

    /// The loop, its timers, signals, the store, the proc connector, the BPF counters and the
    /// logs; nil when all is ready, else the exit status after saying what failed.
    private func setUp() -> Int32? {
        let handled = scope.handledSignals + (scope.reaps ? [SignalNumber.child] : [])
        do {
            // Before any thread starts, so every thread inherits the mask and only signalfd sees them.
            try SignalChannel.block(handled)
            SignalChannel.ignore([SignalNumber.pipe])
            ResourceLimits.raiseOpenFiles()
            signals = try SignalChannel(signals: handled)
            epoll = try Epoll()
            sampleTimer = try Timer()
            statusTimer = try Timer()
            stallTimer = try Timer()
            scopeTimer = try Timer()
            holdTimer = try Timer()
            background = try BackgroundWork()
            try epoll.watchReadable(signals.descriptor.rawValue, token: Token.signals.rawValue)
            try epoll.watchReadable(sampleTimer.descriptor.rawValue, token: Token.sampleTimer.rawValue)
            try epoll.watchReadable(statusTimer.descriptor.rawValue, token: Token.statusTimer.rawValue)
            try epoll.watchReadable(stallTimer.descriptor.rawValue, token: Token.stallTimer.rawValue)
            try epoll.watchReadable(scopeTimer.descriptor.rawValue, token: Token.scopeTimer.rawValue)
            try epoll.watchReadable(holdTimer.descriptor.rawValue, token: Token.eventHold.rawValue)
            try epoll.watchReadable(background.descriptor, token: Token.background.rawValue)
        } catch {
            console.error("cannot set up the event loop: \(error)")
            return scope.setupFailureStatus
        }
        if let failure = checkHTTPClient() ?? startMetricsExport() { return failure }
        console.detail("Verbose mode enabled")
        console.detail("argus-trace version: \(ArgusVersion.current), kernel \(HostFacts.kernelRelease())")
        console.detail("Database path: \(settings.databasePath)")
        subscribeToProcEvents()
        // Loaded before the root is found or started: in `run` the kernel then follows every
        // child the command forks.
        kernelCounters = KernelCounterSource.start(
            enabled: settings.useBPF, followForks: scope.followsChildren,
            runQueueHistogram: settings.runQueueHistogram, console: console)
        if scope.followsChildren, let ring = kernelCounters?.exitDescriptor,
            (try? epoll.watchReadable(ring, token: Token.bpfExits.rawValue)) != nil
        {
            watchedExitRing = ring
        }
        return nil
    }

    /// Opens the database once the scope knows what it will record, before anything is attached,
    /// spawned or waited for. A database that cannot be used is refused, untouched: false after
    /// saying why in one line.
    func openStoreOrRefuse() -> Bool {
        guard let refused = openStore() else { return true }
        console.error(refused)
        return false
    }

    /// The one-line reason when the database is refused.
    private func openStore() -> String? {
        guard writer == nil, sinks.isEmpty else { return nil }  // a test's sinks replace the store
        let path = settings.databasePath
        do {
            try FileSystem.preparePrivateFile(path)
        } catch {
            if FileSystem.kind(of: path) != .directory { return "cannot create the database \(path): \(error)" }
        }
        let info = SessionInfo(
            startedAt: startedAt, arguments: settings.arguments, version: ArgusVersion.current,
            kernel: HostFacts.kernelRelease(), bootID: HostFacts.bootID(), hostname: HostFacts.hostname(),
            mode: scope.mode)
        let console = self.console
        let writer: RecordWriter
        do {
            var configuration = RecordWriter.Configuration(path: path, session: info)
            configuration.retention = settings.retentionPolicy
            writer = try RecordWriter(configuration, warn: { console.warning($0) })
        } catch {
            return error.message
        }
        self.writer = writer
        sinks.insert(writer, at: 0)
        if let metrics { sinks.append(metrics) }
        sinks += exporters(for: writer)
        return nil
    }

    private func subscribeToProcEvents() {
        if let injectedEvents {
            procEvents = injectedEvents
        } else {
            do {
                let connector = try ProcConnector(receiveBufferBytes: ProcConnectorSettings.receiveBufferBytes)
                console.detail("Proc connector: subscribed, receive buffer \(connector.receiveBufferBytes >> 20) MiB")
                procEvents = connector
            } catch {
                let why = HostFacts.isRoot ? "\(error)" : "\(error); older kernels allow it only with CAP_NET_ADMIN"
                console.warning(
                    "proc connector unavailable (\(why)): "
                        + (scope.followsChildren
                            ? "only the processes argus-trace reaps are followed, through their wait status"
                            : "the exit is seen through a pidfd and its status only while the process is an unreaped zombie")
                )
            }
        }
        if let procEvents {
            do {
                try epoll.watchReadable(procEvents.descriptor, token: Token.procEvents.rawValue)
            } catch {
                console.warning("cannot watch the proc connector (\(error)); exits are seen through pidfds only")
                self.procEvents = nil
            }
        }
    }

    private func dispatch(_ token: UInt64) {
        if token >= Token.pidfdBase {
            pidfdReadable(Int32(truncatingIfNeeded: token - Token.pidfdBase))
            return
        }
        switch Token(rawValue: token) {
        case .procEvents?, nil:
            break
        case .sampleTimer?:
            sampleTimer.acknowledge()
            clock.refresh(realtimeNs: Clocks.realtimeNs(), monotonicNs: Clocks.monotonicNs())
            kernelCounters?.collect()  // keeps the probes' ring buffers from filling
            scope.sampleTick(self)
            takeQuietStallTickIfDue(sampleMembers())
            exportLosses()
        case .signals?:
            for delivery in signals.deliveries() {
                if delivery.signal == SignalNumber.child {
                    reapChildren()
                } else {
                    scope.handle(delivery, self)
                }
            }
        case .statusTimer?:
            statusTimer.acknowledge()
            statusDeadlinePassed()
        case .logEvents?:
            record(logTail?.handleEvents() ?? [])
        case .stallTimer?:
            // Nothing to read when the sample tick in the same wake took this tick and re-armed
            // (or disarmed) the ring's timer.
            if stallTimer.acknowledge() > 0 { checkStalls() }
        case .scopeTimer?:
            scopeTimer.acknowledge()
            scope.timerFired(self)
        case .scopeEvents?:
            scope.descriptorReadable(self)
        case .eventHold?:
            holdTimer.acknowledge()
            eventHoldEnded()
        case .bpfExits?:
            kernelCounters?.collect()
        case .background?:
            background.deliver()
        }
    }

    /// Queues records in every sink, with the alerts they start or end (committed at once).
    func submit(_ records: [Record], urgent: Bool = false) {
        guard !records.isEmpty || urgent else { return }
        let alerted = evaluateAlerts(records)
        let all = alerted.isEmpty ? records : records + alerted
        for sink in sinks { sink.submit(all, urgent: urgent || !alerted.isEmpty) }
    }

    func submit(_ record: Record, urgent: Bool = false) { submit([record], urgent: urgent) }

    /// `argus-trace --pid/--process`: watches one running process until it ends.
    public static func watch(_ options: WatchOptions) -> Int32 {
        Session(scope: WatchScope(options: options), settings: options.recording, stalls: options.stalls).run()
    }

    /// `argus-trace run -- CMD`: runs CMD and follows its whole tree.
    public static func run(_ options: RunOptions) -> Int32 {
        Session(scope: SpawnedCommandScope(options: options), settings: options.recording, stalls: options.stalls).run()
    }

    /// Adds a descriptor of the scope's (an inotify on cgroup.events) to the loop.
    func watchForScope(_ descriptor: Int32) throws(Errno) {
        try epoll.watchReadable(descriptor, token: Token.scopeEvents.rawValue)
    }

    /// Stops the session from inside (a signal, a failure).
    func stop(signal: Int32) {
        stopSignal = signal
    }
}
