import ArgusCore
import ArgusKernel
import Synchronization

/// What a scrape of /metrics sees: the state the loop folds records into, behind a lock that
/// either side holds only for a moment. A scrape copies the state (copy-on-write: O(1) under
/// the lock) and renders the copy on the server's thread, so it never makes the loop or the
/// writer wait.
final class PrometheusEndpoint: Sendable {
    private let state: Mutex<MetricsState>
    /// argus-trace's own start, read once (it does not change; computing it per scrape from the
    /// clocks would jitter in its last digits).
    private let startTimeSeconds: Double?

    init(pidLabel: Bool) {
        state = Mutex(MetricsState(pidLabel: pidLabel))
        startTimeSeconds = SelfUsageReader.read()?.startTimeSeconds
    }

    /// On the loop thread: folds the records in.
    func fold(_ records: [Record]) {
        state.withLock { $0.fold(records) }
    }

    /// On the loop thread: argus-trace's own losses so far.
    func note(_ losses: SessionLosses) {
        state.withLock { $0.note(losses) }
    }

    /// The body of a scrape in `format`.
    func render(_ format: ExpositionFormat) -> String {
        let snapshot = state.withLock { $0 }
        var own = SelfUsageReader.read()
        if let startTimeSeconds { own?.startTimeSeconds = startTimeSeconds }
        return MetricsExposition.render(snapshot, own: own, format: format)
    }

    /// On the server's thread: GET or HEAD /metrics; `/` points there; anything else is 404, and
    /// another method 405.
    func respond(to request: HTTPServer.Request) -> HTTPServer.Response {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "only GET and HEAD\n", headers: [("Allow", "GET, HEAD")])
        }
        switch request.path {
        case "/metrics":
            let format = ExpositionFormat.negotiate(accept: request.accept)
            return HTTPServer.Response(status: 200, contentType: format.contentType, body: Array(render(format).utf8))
        case "/":
            return .text(200, "argus-trace: metrics are at /metrics\n")
        default:
            return .text(404, "not found: metrics are at /metrics\n")
        }
    }
}
