import ArgusCore
import ArgusKernel
import Dispatch
import Synchronization

/// Pushes a session's samples and log records to an OpenTelemetry collector over OTLP/HTTP
/// (JSON): {endpoint}/v1/metrics and {endpoint}/v1/logs. The loop only hands it values
/// (`enqueue`); a thread of its own groups what arrived within `coalesceNs` into one request
/// per signal, builds the bodies and posts them with libcurl, oldest first, retrying with
/// exponential backoff. While the collector is away, built requests wait up to
/// `maxQueuedBytes`; beyond that the oldest are dropped and counted, and one warning says so.
/// The database is not affected: every row is still written there.
final class OTLPExporter: Sendable {
    struct Configuration: Sendable {
        var endpoint: String
        var userAgent: String
        var coalesceNs: UInt64 = 100_000_000
        var maxQueuedBytes = 16 << 20
        var timeouts = HTTPClient.Timeouts()
        /// How long closing waits for what is still queued while the collector answers (longer only
        /// while a request is in flight); a failing collector gets one more try.
        var closeWaitNs: UInt64 = 3_000_000_000
        var backoff = ExportBackoff()
    }

    /// What the exporter did, for the end of the session.
    struct Report: Sendable, Equatable {
        var requestsSent = 0
        var requestsDropped = 0
        var requestsRejected = 0
        var requestsUnsent = 0
    }

    struct Batch: Sendable {
        let path: String
        let body: [UInt8]
    }

    struct State {
        var metrics: [(MetricRecord, OTLPProcess)] = []
        var logs: [(OTLPLogEntry, OTLPProcess?)] = []
        var source: OTLPSource
        var firstPendingNs: UInt64?
        var outbox: [Batch] = []
        var outboxBytes = 0
        var report = Report()
        var warnedDrop = false
    }

    let configuration: Configuration
    let state: Mutex<State>
    let thread = ExportThread()
    let warn: @Sendable (String) -> Void

    init(_ configuration: Configuration, source: OTLPSource, warn: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        state = Mutex(State(source: source))
        self.warn = warn
        let worker = Worker(exporter: self)
        DispatchQueue(label: "argus-trace.otlp").async { worker.run() }
    }

    /// Hands over an interval's samples and log records; never blocks on the network.
    func enqueue(metrics: [(MetricRecord, OTLPProcess)], logs: [(OTLPLogEntry, OTLPProcess?)], serviceName: String?) {
        guard !metrics.isEmpty || !logs.isEmpty else { return }
        let shouldWake = state.withLock { state in
            if let serviceName, !serviceName.isEmpty { state.source.serviceName = serviceName }
            state.metrics += metrics
            state.logs += logs
            if state.firstPendingNs == nil {
                state.firstPendingNs = Self.now()
                return true
            }
            return false
        }
        if shouldWake { thread.wake() }
    }

    /// Tells the thread to send what is left and stop; `close` waits for it.
    func beginClose() { thread.beginClose() }

    /// Sends what is left (waiting at most `closeWaitNs` for a collector that does not answer)
    /// and stops the thread. What is still queued after that counts as unsent.
    func close() -> Report {
        let ended = thread.close(waitNs: configuration.closeWaitNs)
        return state.withLock { state in
            var report = state.report
            if !ended { report.requestsUnsent = state.outbox.count }
            return report
        }
    }

    static func now() -> UInt64 { ExportThread.now() }
}

extension OTLPExporter {
    /// The exporter's thread: the HTTP client lives and dies on it.
    final class Worker: Sendable {
        let exporter: OTLPExporter

        init(exporter: OTLPExporter) { self.exporter = exporter }

        func run() {
            let exporter = self.exporter
            let configuration = exporter.configuration
            let base =
                configuration.endpoint.hasSuffix("/")
                ? String(configuration.endpoint.dropLast()) : configuration.endpoint
            let client = HTTPClient(timeouts: configuration.timeouts, userAgent: configuration.userAgent)
            if client == nil { exporter.warn("OTLP export is off: libcurl could not start") }
            var backoff = configuration.backoff
            var retryAtNs: UInt64 = 0
            var failing = false
            var refusals = Set<String>()
            var closeDeadline: UInt64?
            sending: while true {
                let now = OTLPExporter.now()
                let (head, closing) = exporter.buildDue(now: now)
                if closing && closeDeadline == nil {
                    closeDeadline = now + configuration.closeWaitNs
                    // A collector that is failing gets one more try now, not the whole wait.
                    if failing { retryAtNs = 0 }
                }
                if let closeDeadline, head == nil || now >= closeDeadline || client == nil {
                    exporter.state.withLock { $0.report.requestsUnsent += $0.outbox.count }
                    break
                }
                if let head, let client, now >= retryAtNs {
                    let url = base + head.path
                    let verdict = ExportVerdict(
                        client.post(url, headers: ["Content-Type: application/json"], body: head.body))
                    switch verdict {
                    case .sent:
                        exporter.pop(counting: \.requestsSent)
                        backoff.reset()
                        retryAtNs = 0
                        if failing { exporter.warn("OTLP: the collector at \(base) takes exports again") }
                        failing = false
                    case .rejected(let why):
                        exporter.pop(counting: \.requestsRejected)
                        // Once per reason: a wrong path refuses every export (the count is in the summary).
                        if refusals.insert(why).inserted {
                            exporter.warn(
                                "OTLP: \(url) refused an export (\(why)); it is dropped, and so are others it refuses so"
                            )
                        }
                    case .retry(let why):
                        retryAtNs = OTLPExporter.now() + backoff.next()
                        if !failing {
                            exporter.warn(
                                "OTLP export to \(url) failed (\(why)); retrying with backoff "
                                    + "(the database keeps every row)")
                        }
                        failing = true
                        if closeDeadline != nil {
                            exporter.state.withLock { $0.report.requestsUnsent += $0.outbox.count }
                            break sending
                        }
                    }
                    continue
                }
                exporter.sleep(now: now, retryAtNs: head == nil ? nil : retryAtNs, closeDeadline: closeDeadline)
            }
            exporter.thread.threadEnded()
        }
    }

    /// Builds the pending samples and records into requests once they have waited `coalesceNs`
    /// (at once when closing); returns the oldest request and whether the exporter is closing.
    fileprivate func buildDue(now: UInt64) -> (Batch?, Bool) {
        let closing = thread.isClosing
        let taken = state.withLock {
            state -> (metrics: [(MetricRecord, OTLPProcess)], logs: [(OTLPLogEntry, OTLPProcess?)], source: OTLPSource)?
            in
            guard let first = state.firstPendingNs, closing || now >= first + configuration.coalesceNs else {
                return nil
            }
            defer {
                state.metrics = []
                state.logs = []
                state.firstPendingNs = nil
            }
            return (state.metrics, state.logs, state.source)
        }
        var built: [Batch] = []
        if let taken {
            if !taken.metrics.isEmpty {
                built.append(
                    Batch(
                        path: "/v1/metrics", body: Array(OTLPMetrics.request(taken.metrics, source: taken.source).utf8))
                )
            }
            if !taken.logs.isEmpty {
                var processes: [Int32: OTLPProcess] = [:]
                for case (_, let process?) in taken.logs { processes[process.pid] = process }
                let body = OTLPLogs.request(taken.logs.map(\.0), processes: processes, source: taken.source)
                built.append(Batch(path: "/v1/logs", body: Array(body.utf8)))
            }
        }
        let (head, droppedNow) = state.withLock { state -> (Batch?, Bool) in
            for batch in built {
                state.outbox.append(batch)
                state.outboxBytes += batch.body.count
            }
            var dropped = false
            while state.outbox.count > 1 && state.outboxBytes > configuration.maxQueuedBytes {
                state.outboxBytes -= state.outbox.removeFirst().body.count
                state.report.requestsDropped += 1
                dropped = true
            }
            let warnNow = dropped && !state.warnedDrop
            if warnNow { state.warnedDrop = true }
            return (state.outbox.first, warnNow)
        }
        if droppedNow {
            warn(
                "OTLP: the collector is not taking exports; the oldest waiting exports are dropped beyond "
                    + "\(configuration.maxQueuedBytes >> 20) MiB (the database keeps every row)")
        }
        return (head, closing)
    }

    fileprivate func pop(counting counter: WritableKeyPath<Report, Int>) {
        state.withLock { state in
            guard !state.outbox.isEmpty else { return }
            state.outboxBytes -= state.outbox.removeFirst().body.count
            state.report[keyPath: counter] += 1
        }
    }

    /// Waits for new work, the coalescing window's end, the next retry or the close deadline.
    fileprivate func sleep(now: UInt64, retryAtNs: UInt64?, closeDeadline: UInt64?) {
        var until = UInt64.max
        if let first = state.withLock({ $0.firstPendingNs }) { until = min(until, first + configuration.coalesceNs) }
        if let retryAtNs { until = min(until, retryAtNs) }
        if let closeDeadline { until = min(until, closeDeadline) }
        thread.sleep(untilNs: until == .max ? nil : until)
    }
}
