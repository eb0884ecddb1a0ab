import Foundation

/// A real HTTP server on a loopback port for the exporter tests: Python's http.server running
/// Tests/Python/receiver.py, which records each accepted POST (path, headers, body) as one line
/// of a file, in arrival order. It can be started late (the port not listening meanwhile),
/// stopped, and told to answer another status (503) without recording.
final class HTTPReceiver {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Python/receiver.py").path

    struct Request {
        let path: String
        let headers: [String: String]
        let body: String

        /// The body as a JSON object.
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
    }

    let port: UInt16
    let requestsPath: String
    let statusPath: String
    private let scratch: Scratch
    private var server: Child?

    /// The certificate and key it serves HTTPS with; nil: plain HTTP.
    private let tls: (certificate: String, key: String)?

    /// A receiver on a free port, started now unless `listening` is false; `tls` makes it speak
    /// HTTPS with that certificate and key.
    init(scratch: Scratch, listening: Bool = true, tls: (certificate: String, key: String)? = nil) throws {
        self.scratch = scratch
        self.tls = tls
        port = try freeLoopbackPort()
        let name = "receiver-\(UUID().uuidString.prefix(6))"
        requestsPath = scratch.path + "/\(name).jsonl"
        statusPath = scratch.path + "/\(name).status"
        if listening { try start() }
    }

    var url: String { (tls == nil ? "http" : "https") + "://127.0.0.1:\(port)" }

    /// Starts listening; returns once the port is bound.
    func start() throws {
        let server = try Child(
            "/usr/bin/env",
            ["python3", Self.script, "\(port)", requestsPath, statusPath]
                + (tls.map { [$0.certificate, $0.key] } ?? []),
            scratch: scratch, label: "receiver")
        guard eventually(within: 20, { server.stdout.contains("listening") || !server.isRunning }), server.isRunning
        else {
            throw ServerError(description: "receiver on \(port) did not start: \(server.stderr)")
        }
        self.server = server
    }

    func stop() {
        server?.signal(SIGKILL)
        _ = server?.exitStatus(within: 5)
        server = nil
    }

    /// Answer `status` to every request (nil: 200 again); requests answered otherwise are not recorded.
    func answer(_ status: Int?) {
        if let status {
            try? "\(status)".write(toFile: statusPath, atomically: true, encoding: .utf8)
        } else {
            try? FileManager.default.removeItem(atPath: statusPath)
        }
    }

    /// Accept connections and read requests, but never answer.
    func hang(_ hanging: Bool = true) {
        if hanging {
            try? "hang".write(toFile: statusPath, atomically: true, encoding: .utf8)
        } else {
            try? FileManager.default.removeItem(atPath: statusPath)
        }
    }

    /// Every request recorded so far, oldest first.
    var requests: [Request] {
        let text = (try? String(contentsOfFile: requestsPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let path = object["path"] as? String, let body = object["body"] as? String
            else { return nil }
            return Request(path: path, headers: object["headers"] as? [String: String] ?? [:], body: body)
        }
    }

    func requests(to path: String) -> [Request] { requests.filter { $0.path == path } }

    deinit { stop() }

    /// A self-signed certificate for 127.0.0.1 and its key, made with openssl in the scratch directory.
    static func selfSignedCertificate(_ scratch: Scratch) throws -> (certificate: String, key: String) {
        let certificate = scratch.path + "/cert.pem"
        let key = scratch.path + "/key.pem"
        try runToCompletion(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ], scratch: scratch, label: "openssl")
        return (certificate, key)
    }
}
