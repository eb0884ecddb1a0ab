import ArgusCore

/// The session's records as OTLP: each sample with its process's resource, and log lines,
/// process events and stalls as log records, handed to the `OTLPExporter`'s thread. Runs on
/// the loop thread; `describe` reads the process table there.
final class OTLPSink: RecordSink {
    let exporter: OTLPExporter
    private let describe: (Int32) -> OTLPProcess?
    /// Resources of processes seen, for records that arrive once the table has let them go
    /// (a terminated event); forgotten at their end.
    private var known: [Int32: OTLPProcess] = [:]
    private var stallPids: [Int: Int32] = [:]

    init(exporter: OTLPExporter, describe: @escaping (Int32) -> OTLPProcess?) {
        self.exporter = exporter
        self.describe = describe
    }

    func submit(_ records: [Record], urgent: Bool) {
        var metrics: [(MetricRecord, OTLPProcess)] = []
        var logs: [(OTLPLogEntry, OTLPProcess?)] = []
        var serviceName: String?
        for record in records {
            switch record {
            case .metric(let sample):
                serviceName = sample.appName
                if let process = process(sample.pid) { metrics.append((sample, process)) }
            case .stall(let stall):
                stallPids[stall.id] = stall.pid
            case .log(let line):
                serviceName = line.appName
            case .event(let event):
                if !event.appName.isEmpty { serviceName = event.appName }
            default:
                break
            }
            guard let entry = OTLPLogEntry(record, stallPid: { self.stallPids[$0] }) else { continue }
            logs.append((entry, entry.pid.flatMap(process)))
            if case .event(let event) = record, event.type == .terminated { known[event.pid] = nil }
            if case .stallEnd(let end) = record { stallPids[end.id] = nil }
        }
        exporter.enqueue(metrics: metrics, logs: logs, serviceName: serviceName)
    }

    func beginFinish() { exporter.beginClose() }

    func finish() -> String? {
        let report = exporter.close()
        var lost: [String] = []
        if report.requestsDropped > 0 { lost.append("\(report.requestsDropped) dropped while the collector was away") }
        if report.requestsRejected > 0 { lost.append("\(report.requestsRejected) refused by the collector") }
        if report.requestsUnsent > 0 { lost.append("\(report.requestsUnsent) not sent before exit") }
        guard !lost.isEmpty else { return nil }
        return "OTLP: \(report.requestsSent) export(s) sent; " + lost.joined(separator: ", ")
            + " (every row is in the database)"
    }

    private func process(_ pid: Int32) -> OTLPProcess? {
        if let process = describe(pid) {
            known[pid] = process
            return process
        }
        return known[pid]
    }
}
