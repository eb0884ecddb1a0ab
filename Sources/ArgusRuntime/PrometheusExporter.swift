import ArgusCore
import ArgusKernel

/// `--metrics-listen`: the sink that keeps what /metrics shows, and the HTTP server (its own
/// thread) that serves it. The server is bound at set-up, before anything is recorded.
final class PrometheusExporter: RecordSink {
    let endpoint: PrometheusEndpoint
    private let server: HTTPServer

    var port: UInt16 { server.port }

    init(listening address: ListenAddress, pidLabel: Bool) throws(HTTPServer.Failure) {
        let endpoint = PrometheusEndpoint(pidLabel: pidLabel)
        self.endpoint = endpoint
        server = try HTTPServer(listening: address) { endpoint.respond(to: $0) }
    }

    func submit(_ records: [Record], urgent: Bool) {
        endpoint.fold(records)
    }
}
