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
