import Foundation

/// A real Prometheus server (Debian's `prometheus` package) of its own: configuration and TSDB in
/// the scratch directory, its web API on a free loopback port, scraping one target every second.
/// Started in the foreground as a `Child` of the test (as nginx and postgres in Servers.swift).
final class PrometheusServer {
    static let executable = "/usr/bin/prometheus"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    let port: UInt16
    let directory: String
    private let server: Child

    /// Writes a configuration scraping `target` (HOST:PORT) every second and starts Prometheus;
    /// returns once it answers /-/ready.
    init(scratch: Scratch, scraping target: String) throws {
        directory = scratch.path + "/prometheus-\(UUID().uuidString.prefix(6))/"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configuration = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: argus
                static_configs:
                  - targets: ['\(target)']
            """
        try configuration.write(toFile: directory + "prometheus.yml", atomically: true, encoding: .utf8)
        var lastError = ""
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            let server = try Child(
                Self.executable,
                [
                    "--config.file=\(directory)prometheus.yml", "--storage.tsdb.path=\(directory)data",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
                ], scratch: scratch, label: "prometheus")
            let ready = eventually(within: 60) {
                !server.isRunning || ((try? httpGet(port: port, path: "/-/ready")) ?? "").hasPrefix("HTTP/1.0 200")
            }
            if ready && server.isRunning {
                self.port = port
                self.server = server
                return
            }
            lastError = server.stderr
            _ = server.exitStatus(within: 5)
            if !lastError.contains("address already in use") { break }
        }
        throw ServerError(description: "prometheus did not start: \(lastError)")
    }

    /// An instant query through the HTTP API (/api/v1/query): each result's labels and value.
    func query(_ expression: String) throws -> [(labels: [String: String], value: Double)] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: allowed) ?? expression
        let response = try httpGet(port: port, path: "/api/v1/query?query=\(encoded)")
        guard let split = response.range(of: "\r\n\r\n"),
            let json = try JSONSerialization.jsonObject(with: Data(response[split.upperBound...].utf8))
                as? [String: Any],
            let data = json["data"] as? [String: Any], let results = data["result"] as? [[String: Any]]
        else { throw ServerError(description: "prometheus query \(expression): \(response)") }
        return results.compactMap { result in
            guard let labels = result["metric"] as? [String: String], let pair = result["value"] as? [Any],
                pair.count == 2, let text = pair[1] as? String, let value = Double(text)
            else { return nil }
            return (labels, value)
        }
    }

    /// SIGTERM (Prometheus shuts down cleanly), then SIGKILL if it lingers.
    deinit {
        guard server.isRunning else { return }
        server.signal(SIGTERM)
        _ = server.exitStatus(within: 10)
    }
}
