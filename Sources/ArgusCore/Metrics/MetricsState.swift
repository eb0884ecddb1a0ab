/// The current values a Prometheus scrape shows, folded from the records a session writes:
/// every live process's latest reading, and for each (app, name) what its ended processes
/// counted, so a counter never goes down when a process ends (or execs into another name).
/// Pure logic: the sink feeds it records on the loop thread; a scrape renders a copy.
public struct MetricsState: Sendable {
    /// One process being watched.
    struct LiveProcess: Sendable {
        var labels: SeriesLabels
        var startTicks: UInt64?
        /// Its counters when it took its current name (zero at its first reading).
        var baseline = ExportedCounters()
        var latest = ExportedCounters()
        var gauges = ExportedGauges()
        /// Whether it was sampled yet (a process seen only by its start has no gauges).
        var sampled = false
    }

    /// How a process ended, for `argus_process_exits_total{class}`.
    public enum ExitClass: String, Sendable, CaseIterable {
        case success = "0"
        case nonzero
        case signal
        case unknown
    }

    /// Whether series carry a pid label.
    public let pidLabel: Bool
    var live: [Int32: LiveProcess] = [:]
    /// What ended processes counted, by series without pid.
    var retained: [SeriesLabels: ExportedCounters] = [:]
    var exits: [SeriesLabels: [ExitClass: UInt64]] = [:]
    var stalls: [StallSeries: UInt64] = [:]
    var restarts: [String: UInt64] = [:]
    /// Firings by (app, rule), and the alerts firing now (by alert id) with their series.
    var alertFirings: [AlertSeries: UInt64] = [:]
    var alertsFiring: [Int: AlertSeries] = [:]
    /// Ended processes (and in `endedOrder`, oldest first), so a corrected status is not
    /// counted as a second exit. Bounded: a correction follows its exit closely.
    private var recentlyEnded: Set<ProcessKey> = []
    private var endedOrder: [ProcessKey] = []
    private var stallIDs: Set<Int> = []
    public private(set) var losses = SessionLosses()

    struct ProcessKey: Hashable, Sendable {
        var pid: Int32
        var startTicks: UInt64?
    }

    struct StallSeries: Hashable, Sendable, Comparable {
        var app: String
        var name: String
        var kind: String

        static func < (lhs: StallSeries, rhs: StallSeries) -> Bool {
            (lhs.app, lhs.name, lhs.kind) < (rhs.app, rhs.name, rhs.kind)
        }
    }

    struct AlertSeries: Hashable, Sendable, Comparable {
        var app: String
        var rule: String

        static func < (lhs: AlertSeries, rhs: AlertSeries) -> Bool { (lhs.app, lhs.rule) < (rhs.app, rhs.rule) }
    }

    static let recentlyEndedLimit = 4_096

    public init(pidLabel: Bool = false) {
        self.pidLabel = pidLabel
    }

    /// Folds one record in.
    public mutating func fold(_ record: Record) {
        switch record {
        case .metric(let metric):
            fold(metric)
        case .event(let event):
            fold(event)
        case .process(let process) where process.statusSource == "released":
            if let known = live[process.pid] { retire(process.pid, known) }
        case .stall(let stall):
            guard stallIDs.insert(stall.id).inserted else { return }
            stalls[StallSeries(app: stall.appName, name: stall.processName, kind: stall.kind.rawValue), default: 0] += 1
        case .alert(let alert):
            let series = AlertSeries(app: alert.appName, rule: alert.rule)
            alertFirings[series, default: 0] += 1
            if !alert.isInstant { alertsFiring[alert.id] = series }
        case .alertCleared(let cleared):
            alertsFiring[cleared.id] = nil
        case .stallEnd(let end):
            stallIDs.remove(end.id)  // the open stalls only: a stall's rows come before its end
        case .process, .log, .session, .stallSnapshot, .fineSamples, .groupSample:
            break
        }
    }

    public mutating func fold(_ records: [Record]) {
        for record in records { fold(record) }
    }

    private mutating func fold(_ metric: MetricRecord) {
        var process = join(
            pid: metric.pid, startTicks: metric.startTicks, app: metric.appName, name: metric.processName)
        var reading = ExportedCounters()
        reading.cpuUserNs = metric.cpuUserNs ?? metric.cpuTimeNs
        reading.cpuSystemNs = metric.cpuSystemNs ?? 0
        reading.voluntarySwitches = metric.voluntarySwitches ?? process.latest.voluntarySwitches
        reading.involuntarySwitches = metric.involuntarySwitches ?? process.latest.involuntarySwitches
        reading.minorFaults = metric.minorFaults
        reading.majorFaults = metric.majorFaults
        reading.readBytes = metric.readBytes ?? process.latest.readBytes
        reading.writeBytes = metric.writeBytes ?? process.latest.writeBytes
        process.latest.advance(to: reading)
        if let kernel = metric.kernel { process.latest.accumulate(kernel) }
        let megabyte = 1024.0 * 1024.0
        process.gauges.residentBytes = UInt64(max(0, (metric.memoryMB * megabyte).rounded()))
        process.gauges.virtualBytes = UInt64(max(0, (metric.vmsMB * megabyte).rounded()))
        process.gauges.threads = metric.threadCount
        process.gauges.openFds = metric.openFds
        process.sampled = true
        live[metric.pid] = process
    }

    private mutating func fold(_ event: ProcessEventRecord) {
        guard event.pid > 0 else { return }
        switch event.type {
        case .started, .exec, .monitoringStarted:
            if event.type == .started, let known = live[event.pid], known.startTicks != event.startTicks {
                retire(event.pid, known)  // its end was never seen; the pid names another process now
            }
            live[event.pid] = join(
                pid: event.pid, startTicks: event.startTicks, app: event.appName, name: event.processName)
        case .restarted:
            restarts[event.appName, default: 0] += 1
            live[event.pid] = join(
                pid: event.pid, startTicks: event.startTicks, app: event.appName, name: event.processName)
        case .terminated:
            let key = ProcessKey(pid: event.pid, startTicks: event.startTicks)
            guard recentlyEnded.insert(key).inserted else { return }  // a corrected status of a counted exit
            endedOrder.append(key)
            if endedOrder.count > Self.recentlyEndedLimit {
                let forgotten = endedOrder.count / 2
                recentlyEnded.subtract(endedOrder.prefix(forgotten))
                endedOrder.removeFirst(forgotten)
            }
            let labels = SeriesLabels(app: event.appName, name: event.processName)
            exits[labels, default: [:]][Self.exitClass(event), default: 0] += 1
            if let known = live[event.pid] { retire(event.pid, known) }
        case .monitoringStopped:
            break
        }
    }

    /// argus-trace's own losses so far (each only grows).
    public mutating func note(_ losses: SessionLosses) {
        self.losses.netlinkOverflows = max(self.losses.netlinkOverflows, losses.netlinkOverflows)
        self.losses.bpfEventsLost = max(self.losses.bpfEventsLost, losses.bpfEventsLost)
        self.losses.unsavedRows = max(self.losses.unsavedRows, losses.unsavedRows)
    }

    static func exitClass(_ event: ProcessEventRecord) -> ExitClass {
        if event.signal != nil { return .signal }
        guard let code = event.exitCode else { return .unknown }
        return code == 0 ? .success : .nonzero
    }

    /// The live process `pid` under `name`: known already (moved to the new name's series if it
    /// changed, its counters so far kept under the old one), or new.
    private mutating func join(pid: Int32, startTicks: UInt64?, app: String, name: String) -> LiveProcess {
        let labels = SeriesLabels(app: app, name: name, pid: pidLabel ? pid : nil)
        guard var process = live[pid] else {
            restarts[app, default: 0] += 0
            return LiveProcess(labels: labels, startTicks: startTicks)
        }
        if process.startTicks == nil { process.startTicks = startTicks }
        if process.labels != labels {
            retained[process.labels.withoutPid, default: ExportedCounters()].add(
                process.latest, since: process.baseline)
            process.baseline = process.latest
            process.labels = labels
        }
        return process
    }

    /// A process is no longer watched (it ended, or left the group): what it counted stays in
    /// its series.
    private mutating func retire(_ pid: Int32, _ process: LiveProcess) {
        retained[process.labels.withoutPid, default: ExportedCounters()].add(process.latest, since: process.baseline)
        live[pid] = nil
    }
}

/// What argus-trace itself lost: the kernel's proc connector overflows, BPF events its ring
/// buffers could not take, and rows the database could not save.
public struct SessionLosses: Sendable, Equatable {
    public var netlinkOverflows: UInt64 = 0
    public var bpfEventsLost: UInt64 = 0
    public var unsavedRows: UInt64 = 0

    public init(netlinkOverflows: UInt64 = 0, bpfEventsLost: UInt64 = 0, unsavedRows: UInt64 = 0) {
        self.netlinkOverflows = netlinkOverflows
        self.bpfEventsLost = bpfEventsLost
        self.unsavedRows = unsavedRows
    }
}
