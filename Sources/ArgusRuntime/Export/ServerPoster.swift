import ArgusCore
import ArgusKernel
import ArgusStore

/// Sends a session's outbox rows to Gaze's Argus server, one `POST {server}/api/ingest` per row
/// with the spec's payload, moving the cursor past each row the server takes (2xx). Used by the
/// live uploader's thread and by `argus-trace upload`; owned by one thread.
final class ServerPoster {
    enum Pass: Equatable {
        /// Nothing is left to send (as of the last read).
        case drained(sent: Int)
        /// The server did not take a row (no answer, 5xx, 408, 429, or 401/403/404: a wrong key or
        /// URL): it and the rest wait.
        case failed(String, sent: Int)
        /// The rows could not be read or the cursor not written.
        case storeFailed(String, sent: Int)
        /// Stopped from outside between rows.
        case stopped(sent: Int)
    }

    /// Sent as `X-API-Key` (the Gaze spec asks for API-key authentication without naming the header).
    static let apiKeyHeader = "X-API-Key"

    let outbox: UploadOutbox
    let url: String
    private let client: HTTPClient
    private let headers: [String]
    /// Says (once) that the server refuses rows for good.
    private let warn: (String) -> Void
    /// Rows the server refused for good (a 4xx but 401, 403, 404, 408, 429): passed, not retried.
    private(set) var refused = 0

    init?(
        outbox: UploadOutbox, server: ServerSettings, timeouts: HTTPClient.Timeouts = HTTPClient.Timeouts(),
        warn: @escaping (String) -> Void
    ) {
        guard let client = HTTPClient(timeouts: timeouts, userAgent: "argus-trace/\(ArgusVersion.current)") else {
            return nil
        }
        self.outbox = outbox
        self.client = client
        self.warn = warn
        let base = server.url.hasSuffix("/") ? String(server.url.dropLast()) : server.url
        url = base + "/api/ingest"
        headers = ["Content-Type: application/json"] + (server.apiKey.map { ["\(Self.apiKeyHeader): \($0)"] } ?? [])
    }

    /// Sends the session's rows until none is left, one fails, or `shouldStop` says so.
    func pass(session: Int64, shouldStop: () -> Bool = { false }) -> Pass {
        var sent = 0
        while true {
            let rows: [UploadOutbox.Row]
            do {
                rows = try outbox.pending(session: session)
            } catch {
                return .storeFailed(error.message, sent: sent)
            }
            if rows.isEmpty { return .drained(sent: sent) }
            for row in rows {
                if shouldStop() { return .stopped(sent: sent) }
                let outcome = client.post(url, headers: headers, body: Array(row.payload.json.utf8))
                switch (ExportVerdict(outcome), outcome) {
                case (.sent, _):
                    break
                case (.rejected(let why), .status(let code)) where ![401, 403, 404].contains(code):
                    // This row will never be taken (too large, malformed for the server): waiting for
                    // it would hold back every row after it. It stays in the database.
                    refused += 1
                    if refused == 1 {
                        warn(
                            "--server: \(url) refused a row for good (\(why)); such rows are passed over "
                                + "(they stay in the database)")
                    }
                case (_, .status(let code)):
                    return .failed("HTTP \(code)", sent: sent)
                case (_, .failed(let why)):
                    return .failed(why, sent: sent)
                }
                do {
                    try outbox.sent(row, session: session, atNs: Int64(clamping: Clocks.realtimeNs()))
                } catch {
                    return .storeFailed(error.message, sent: sent)
                }
                if case .sent = ExportVerdict(outcome) { sent += 1 }
            }
        }
    }
}
