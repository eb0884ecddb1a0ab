import ArgusCore
import Testing

/// The Prometheus state folded from scripted records: counters that survive exits and execs,
/// labels, exits by class, and the rendered exposition in both formats.
@Suite struct MetricsStateTests {
    static let time = WallTime(nanoseconds: 1_000)

    static func metric(
        pid: Int32, name: String = "worker", app: String = "svc", userNs: UInt64, systemNs: UInt64 = 0,
        rssMB: Double = 1, faults: UInt64 = 0, startTicks: UInt64 = 10
    ) -> Record {
        .metric(
            MetricRecord(
                time: time, appName: app, processName: name, pid: pid, cpuPercent: 0, memoryMB: rssMB, threadCount: 1,
                startTicks: startTicks, vmsMB: 2, openFds: 3, voluntarySwitches: 4, involuntarySwitches: 5,
                minorFaults: faults, majorFaults: 0, readBytes: 6, writeBytes: 7, state: "S",
                cpuTimeNs: userNs + systemNs, cpuUserNs: userNs, cpuSystemNs: systemNs))
    }

    static func event(
        _ type: ProcessEventType, pid: Int32, name: String = "worker", exitCode: Int? = nil, signal: Int? = nil,
        startTicks: UInt64 = 10
    ) -> Record {
        .event(
            ProcessEventRecord(
                time: time, appName: "svc", processName: name, pid: pid, type: type, exitCode: exitCode, signal: signal,
                startTicks: startTicks))
    }

    func cpu(_ state: MetricsState, name: String = "worker") -> UInt64 {
        state.series.filter { $0.labels.name == name }.reduce(0) { $0 + $1.counters.cpuUserNs }
    }

    @Test func counterKeepsEndedProcessesCPU() {
        var state = MetricsState()
        state.fold([Self.metric(pid: 1, userNs: 5_000_000_000), Self.metric(pid: 2, userNs: 1_000_000_000)])
        #expect(cpu(state) == 6_000_000_000)
        state.fold(Self.event(.terminated, pid: 1, exitCode: 0))
        #expect(cpu(state) == 6_000_000_000)
        state.fold(Self.metric(pid: 2, userNs: 2_000_000_000))
        #expect(cpu(state) == 7_000_000_000)
        // Gauges cover the live process only.
        #expect(state.series.first?.processes == 1)
        #expect(state.series.first?.gauges.residentBytes == 1_048_576)
    }

    @Test func counterNeverGoesDownWhenAReadingDoes() {
        var state = MetricsState()
        state.fold(Self.metric(pid: 1, userNs: 5_000, faults: 10))
        state.fold(Self.metric(pid: 1, userNs: 4_000, faults: 9))
        #expect(cpu(state) == 5_000)
        #expect(state.series.first?.counters.minorFaults == 10)
    }

    @Test func execMovesCountsToTheNewNameAndKeepsTheOld() {
        var state = MetricsState()
        state.fold(Self.metric(pid: 1, name: "sh", userNs: 3_000))
        state.fold(Self.event(.exec, pid: 1, name: "python"))
        state.fold(Self.metric(pid: 1, name: "python", userNs: 10_000))
        #expect(cpu(state, name: "sh") == 3_000)
        #expect(cpu(state, name: "python") == 7_000)
        state.fold(Self.event(.terminated, pid: 1, name: "python", exitCode: 1))
        #expect(cpu(state, name: "sh") == 3_000)
        #expect(cpu(state, name: "python") == 7_000)
    }

    @Test func exitsAreCountedByClassOnceEvenWhenCorrected() {
        var state = MetricsState()
        state.fold(Self.event(.terminated, pid: 1, exitCode: 0))
        state.fold(Self.event(.terminated, pid: 2, exitCode: 3, startTicks: 11))
        state.fold(Self.event(.terminated, pid: 2, exitCode: 3, startTicks: 11))  // the wait status's correction
        state.fold(Self.event(.terminated, pid: 3, exitCode: 137, signal: 9))
        state.fold(Self.event(.terminated, pid: 4))
        let counts = Dictionary(uniqueKeysWithValues: state.exitCounts.map { ($0.exitClass, $0.count) })
        #expect(counts == [.success: 1, .nonzero: 1, .signal: 1, .unknown: 1])
    }

    @Test func noPidLabelByDefaultAndOneWhenAsked() {
        var plain = MetricsState()
        plain.fold([Self.metric(pid: 1, userNs: 1), Self.metric(pid: 2, userNs: 1)])
        #expect(plain.series.map(\.labels) == [SeriesLabels(app: "svc", name: "worker")])
        let text = MetricsExposition.render(plain, own: nil, format: .text)
        #expect(!text.contains("pid="))
        #expect(text.contains(#"argus_processes_running{app="svc",name="worker"} 2"#))

        var withPid = MetricsState(pidLabel: true)
        withPid.fold([Self.metric(pid: 1, userNs: 1), Self.metric(pid: 2, userNs: 1)])
        withPid.fold(Self.event(.terminated, pid: 1, exitCode: 0))
        let labels = withPid.series.map(\.labels)
        // The ended one's counters stay, in the series without pid.
        #expect(labels == [SeriesLabels(app: "svc", name: "worker"), SeriesLabels(app: "svc", name: "worker", pid: 2)])
        #expect(MetricsExposition.render(withPid, own: nil, format: .text).contains(#"pid="2""#))
    }

    @Test func labelValuesAreEscaped() {
        var state = MetricsState()
        state.fold(Self.metric(pid: 1, name: "a\"b\\c\nd", app: "my app", userNs: 1))
        let text = MetricsExposition.render(state, own: nil, format: .text)
        #expect(text.contains(#"argus_process_threads{app="my app",name="a\"b\\c\nd"} 1"#))
    }

    @Test func textAndOpenMetricsNameCountersAsEachExpects() {
        var state = MetricsState()
        state.fold(Self.metric(pid: 1, userNs: 1_500_000_000, systemNs: 250_000_000))
        let own = ExporterSelfUsage(
            cpuSeconds: 0.5, residentBytes: 10, virtualBytes: 20, openFds: 4, startTimeSeconds: 1_700_000_000)
        let text = MetricsExposition.render(state, own: own, format: .text)
        #expect(text.contains("# TYPE argus_process_cpu_seconds_total counter\n"))
        #expect(text.contains(#"argus_process_cpu_seconds_total{app="svc",name="worker",mode="user"} 1.5"#))
        #expect(text.contains(#"argus_process_cpu_seconds_total{app="svc",name="worker",mode="system"} 0.25"#))
        #expect(text.contains("process_start_time_seconds 1700000000\n"))
        #expect(!text.contains("# EOF"))

        let open = MetricsExposition.render(state, own: own, format: .openMetrics)
        #expect(open.contains("# TYPE argus_process_cpu_seconds counter\n"))
        #expect(open.contains(#"argus_process_cpu_seconds_total{app="svc",name="worker",mode="user"} 1.5"#))
        #expect(open.hasSuffix("# EOF\n"))
    }

    @Test func runQueueHistogramIsCumulative() {
        var state = MetricsState()
        guard case .metric(var row) = Self.metric(pid: 1, userNs: 1) else { return }
        var histogram = [UInt64](repeating: 0, count: 24)
        histogram[0] = 2
        histogram[3] = 1
        histogram[23] = 1
        row.kernel = KernelCounterDeltas(
            oncpuNs: 0, runqDelayNs: 9_000, runqDelayMaxNs: nil, switchesVoluntary: 0, switchesInvoluntary: 0,
            faultsUser: 0, runqHistogram: histogram)
        state.fold(.metric(row))
        let text = MetricsExposition.render(state, own: nil, format: .text)
        #expect(text.contains(#"argus_process_runqueue_wait_seconds_bucket{app="svc",name="worker",le="2e-06"} 2"#))
        #expect(text.contains(#"argus_process_runqueue_wait_seconds_bucket{app="svc",name="worker",le="1.6e-05"} 3"#))
        #expect(text.contains(#"argus_process_runqueue_wait_seconds_bucket{app="svc",name="worker",le="+Inf"} 4"#))
        #expect(text.contains(#"argus_process_runqueue_wait_seconds_count{app="svc",name="worker"} 4"#))
        #expect(text.contains(#"argus_process_runqueue_delay_seconds_total{app="svc",name="worker"} 9e-06"#))
    }

    @Test func acceptHeaderPicksTheFormat() {
        #expect(ExpositionFormat.negotiate(accept: nil) == .text)
        #expect(ExpositionFormat.negotiate(accept: "*/*") == .text)
        let prometheus =
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        #expect(ExpositionFormat.negotiate(accept: prometheus) == .openMetrics)
        #expect(ExpositionFormat.negotiate(accept: "text/plain;version=0.0.4") == .text)
        #expect(ExpositionFormat.negotiate(accept: "application/openmetrics-text; q=0") == .text)
    }

    @Test func lossesOnlyGrow() {
        var state = MetricsState()
        state.note(SessionLosses(netlinkOverflows: 2, bpfEventsLost: 1, unsavedRows: 5))
        state.note(SessionLosses(netlinkOverflows: 1, bpfEventsLost: 3, unsavedRows: 0))
        #expect(state.losses == SessionLosses(netlinkOverflows: 2, bpfEventsLost: 3, unsavedRows: 5))
        let text = MetricsExposition.render(state, own: nil, format: .text)
        #expect(text.contains("argus_netlink_overflows_total 2\n"))
    }
}

extension MetricsStateTests {
    @Test func aProcessSeenOnlyByItsStartIsRunningWithoutGauges() {
        var state = MetricsState()
        state.fold(Self.event(.started, pid: 7, name: "sleep"))
        let text = MetricsExposition.render(state, own: nil, format: .text)
        #expect(text.contains(#"argus_processes_running{app="svc",name="sleep"} 1"#))
        #expect(!text.contains(#"argus_process_resident_memory_bytes{app="svc",name="sleep"}"#))
    }

    @Test func stallsAreCountedOncePerStallAndRestartsPerApp() {
        var state = MetricsState()
        let stall = StallRecord(
            id: 1, kind: .uninterruptible, pid: 1, startTicks: 10, appName: "svc", processName: "worker",
            started: Self.time, detected: Self.time, tid: 1, trigger: "D state 1 s", threshold: 1, value: 1,
            windowNs: 0)
        state.fold([.stall(stall), .stall(stall)])
        state.fold(Self.event(.restarted, pid: 9))
        let text = MetricsExposition.render(state, own: nil, format: .text)
        #expect(text.contains(#"argus_stalls_total{app="svc",name="worker",kind="d_state"} 1"#))
        #expect(text.contains(#"argus_restarts_total{app="svc"} 1"#))
    }
}

/// Alerts on /metrics: a gauge of the alerts firing now per rule, and a counter of firings.
@Suite struct MetricsAlertTests {
    static let time = WallTime(nanoseconds: 1_000)

    static func fired(_ id: Int, rule: String, pid: Int32? = nil, instant: Bool = false) -> Record {
        .alert(
            AlertRecord(
                id: id, rule: rule, ruleIndex: 0, appName: "svc", fired: time, value: 90, pid: pid,
                processName: pid == nil ? nil : "worker", detail: "held", isInstant: instant))
    }

    static func cleared(_ id: Int, rule: String) -> Record {
        .alertCleared(AlertClearRecord(id: id, rule: rule, cleared: time, value: 10, reason: "recovered"))
    }

    func lines(_ state: MetricsState) -> [String] {
        MetricsExposition.render(state, own: nil, format: .text).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("argus_alerts") }
    }

    @Test func aFiringAlertSetsTheGaugeAndItsClearingResetsItWhileTheCounterStays() {
        var state = MetricsState()
        #expect(lines(state).isEmpty)
        state.fold([Self.fired(1, rule: "proc.cpu > 80", pid: 7), Self.fired(2, rule: "proc.cpu > 80", pid: 8)])
        #expect(lines(state).contains(#"argus_alerts_firing{app="svc",rule="proc.cpu > 80"} 2"#))
        state.fold(Self.cleared(1, rule: "proc.cpu > 80"))
        #expect(lines(state).contains(#"argus_alerts_firing{app="svc",rule="proc.cpu > 80"} 1"#))
        #expect(lines(state).contains(#"argus_alerts_total{app="svc",rule="proc.cpu > 80"} 2"#))
    }

    @Test func anInstantAlertCountsButIsNeverFiring() {
        var state = MetricsState()
        state.fold(Self.fired(1, rule: "exit != 0", pid: 7, instant: true))
        #expect(lines(state).contains(#"argus_alerts_firing{app="svc",rule="exit != 0"} 0"#))
        #expect(lines(state).contains(#"argus_alerts_total{app="svc",rule="exit != 0"} 1"#))
    }
}
