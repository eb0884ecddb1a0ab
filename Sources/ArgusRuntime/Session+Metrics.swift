import ArgusCore
import ArgusKernel

/// `--metrics-listen`: the Prometheus exporter's place in the session.
extension Session {
    /// Binds the metrics server at set-up (its thread inherits the loop's signal mask); nil when
    /// it serves or was not asked for, else the exit status after one line saying why.
    func startMetricsExport() -> Int32? {
        guard let address = settings.metricsListen else { return nil }
        do {
            let exporter = try PrometheusExporter(listening: address, pidLabel: settings.metricsPidLabel)
            metrics = exporter
            var shown = address
            shown.port = exporter.port
            console.info("Serving Prometheus metrics on http://\(shown.host == nil ? "*" : "")\(shown)/metrics")
        } catch {
            console.error("--metrics-listen: \(error)")
            return scope.setupFailureStatus
        }
        return nil
    }

    /// A member ended: its counters as its zombie shows them (CPU, faults: the whole thread
    /// group's, final), read before its `terminated` row so what it did since its last sample
    /// is counted too (process-exporter loses that). Only for the exporter (the store keeps its
    /// samples), and only while the zombie is there: a parent that reaped it first leaves the
    /// last sample's counters.
    func exportFinalReading(of member: ProcessTable.Member) {
        guard let metrics, let stat = ProcessReader.stat(member.pid) else { return }
        if let known = member.startTicks {
            guard stat.startTicks == known else { return }
        } else {
            let started = Self.procStart(stat)
            guard max(started, member.startedNs) - min(started, member.startedNs) < ProcessTable.startTolerance
            else { return }
        }
        let tickNs = 1_000_000_000 / max(ProcessReader.ticksPerSecond, 1)
        let final = MetricRecord(
            time: WallTime(nanoseconds: Clocks.realtimeNs()), appName: appName, processName: member.name,
            pid: member.pid, cpuPercent: 0, memoryMB: 0, threadCount: 0, startTicks: stat.startTicks, vmsMB: 0,
            openFds: nil, voluntarySwitches: nil, involuntarySwitches: nil, minorFaults: stat.minorFaults,
            majorFaults: stat.majorFaults, readBytes: nil, writeBytes: nil, state: String(stat.state),
            cpuTimeNs: stat.cpuTimeNs(tickNs: tickNs), cpuUserNs: stat.userTicks &* tickNs,
            cpuSystemNs: stat.systemTicks &* tickNs)
        metrics.endpoint.fold([.metric(final)])
    }

    /// What argus-trace itself lost so far, for the exporter (every sample tick).
    func exportLosses() {
        guard let metrics else { return }
        metrics.endpoint.note(
            SessionLosses(
                netlinkOverflows: UInt64(max(0, procEvents?.overflows ?? 0)),
                bpfEventsLost: kernelCounters?.lostEvents ?? 0,
                unsavedRows: UInt64(max(0, writer?.unsavedRows ?? 0))))
    }
}
