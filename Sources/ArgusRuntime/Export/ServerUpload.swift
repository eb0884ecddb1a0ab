import ArgusCore
import ArgusKernel
import ArgusStore

/// `argus-trace upload`: sends stored sessions' rows that the server has not taken yet, from the
/// same outbox and cursors as a recording's `--server`, so nothing is sent twice after a success.
public enum ServerUpload {
    /// Uploads `session` (or every session, oldest first); a failing server is retried with
    /// backoff for `retryForNs`. Returns the exit status: 0 everything sent, 1 rows are left or
    /// the database cannot be used.
    public static func run(
        databasePath: String, server: ServerSettings, session: Int64?, retryForNs: UInt64, console: Console
    ) -> Int32 {
        let outbox: UploadOutbox
        do {
            outbox = try UploadOutbox(path: databasePath, server: server.url)
        } catch {
            console.error(error.message)
            return 1
        }
        guard let poster = ServerPoster(outbox: outbox, server: server, warn: { console.warning($0) }) else {
            console.error(HTTPClient.libraryProblem ?? "libcurl could not start")
            return 1
        }
        let sessions: [Int64]
        do {
            let all = try outbox.sessions()
            if let session, !all.contains(where: { $0.id == session }) {
                console.error("no session \(session) in \(databasePath)")
                return 1
            }
            // Without a session named, one still recording is left to its recorder's own --server
            // upload (two uploaders of one session could send a row twice).
            let open = session == nil ? all.filter { !$0.ended }.map(\.id) : []
            if !open.isEmpty {
                console.info(
                    "Session(s) \(open.map(String.init).joined(separator: ", ")) not ended (still recording, or the "
                        + "recorder was killed): left out; name one to send it")
            }
            sessions = session.map { [$0] } ?? all.filter(\.ended).map(\.id)
        } catch {
            console.error("cannot read the sessions of \(databasePath): \(error.message)")
            return 1
        }
        let giveUpAt = Clocks.monotonicNs() + retryForNs
        var backoff = ExportBackoff()
        var warned = false
        var idle = 0
        for id in sessions {
            var sent = 0
            var failure: String?
            while true {
                let result = poster.pass(session: id)
                switch result {
                case .drained(let count), .stopped(let count):
                    sent += count
                    failure = nil
                case .failed(let why, let count), .storeFailed(let why, let count):
                    sent += count
                    failure = why
                }
                guard let why = failure else { break }
                if !warned { console.warning("upload to \(poster.url) failed (\(why)); retrying with backoff") }
                warned = true
                let wait = backoff.next()
                guard Clocks.monotonicNs() + wait < giveUpAt else { break }
                Clocks.sleep(ns: wait)
            }
            if sent == 0 && failure == nil {
                idle += 1
                continue
            }
            let left = (try? outbox.remaining(session: id)) ?? 0
            console.info("Session \(id): \(sent) row(s) sent" + (left > 0 ? ", \(left) left" : ""))
            if let failure {
                console.error("\(poster.url) did not take the upload (\(failure)); run argus-trace upload again later")
                return 1
            }
        }
        if idle > 0 { console.info("\(idle) session(s) with nothing left to send") }
        return 0
    }
}
