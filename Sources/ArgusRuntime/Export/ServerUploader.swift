import ArgusCore
import ArgusKernel
import ArgusStore
import Dispatch
import Synchronization

/// Gaze's `--server` while recording: a thread of its own reads the session's committed rows
/// from the database (the outbox) right after each of the writer's commits (and every
/// `idlePollNs` regardless) and posts them (`ServerPoster`). A server that
/// is down or fails gets one warning; the rows wait in the database and are retried with
/// exponential backoff, so recording goes on and nothing is lost. At the end it sends what the
/// writer committed last (for at most `closeWaitNs`; a failing server gets one more try) and says
/// how many rows are left.
final class ServerUploader: Sendable {
    struct Configuration: Sendable {
        var path: String
        var session: Int64
        var server: ServerSettings
        /// A pass at least this often even without new records (a row another writer committed late).
        var idlePollNs: UInt64 = 5_000_000_000
        var closeWaitNs: UInt64 = 3_000_000_000
        var backoff = ExportBackoff()
    }

    struct Report: Sendable, Equatable {
        var sent = 0
        /// Rows still in the outbox at the end; nil when it could not be read.
        var remaining: Int?
        /// The server was still busy with a request when the wait ended.
        var timedOut = false
    }

    struct State {
        /// When the writer committed records not yet looked for in the database.
        var newRecordsNs: UInt64?
        var report = Report()
    }

    let configuration: Configuration
    let state = Mutex(State())
    let thread = ExportThread()
    let warn: @Sendable (String) -> Void

    init(_ configuration: Configuration, warn: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.warn = warn
        let worker = Worker(uploader: self)
        DispatchQueue(label: "argus-trace.upload").async { worker.run() }
    }

    /// Says that the writer committed records (RecordWriter.whenCommitted): a pass reads them.
    func nudge() {
        let now = Self.now()
        let first = state.withLock { state -> Bool in
            guard state.newRecordsNs == nil else { return false }
            state.newRecordsNs = now
            return true
        }
        if first { thread.wake() }
    }

    /// Tells the thread to send what is left and stop; `close` waits for it.
    func beginClose() { thread.beginClose() }

    /// Sends what is left (within `closeWaitNs`), stops the thread, and says what it did. A
    /// request in flight past the wait leaves its rows and the rest in the outbox.
    func close() -> Report {
        let ended = thread.close(waitNs: configuration.closeWaitNs)
        return state.withLock { state in
            var report = state.report
            report.timedOut = !ended
            return report
        }
    }

    static func now() -> UInt64 { ExportThread.now() }

    final class Worker: Sendable {
        let uploader: ServerUploader

        init(uploader: ServerUploader) { self.uploader = uploader }

        func run() {
            let uploader = self.uploader
            let configuration = uploader.configuration
            let session = configuration.session
            var poster: ServerPoster?
            var backoff = configuration.backoff
            var retryAtNs: UInt64 = 0
            var failing = false
            var closeDeadline: UInt64?
            var lastPassNs: UInt64 = 0
            while true {
                let closing = uploader.thread.isClosing
                let newRecordsNs = uploader.state.withLock { $0.newRecordsNs }
                let now = ServerUploader.now()
                if closing && closeDeadline == nil {
                    closeDeadline = now + configuration.closeWaitNs
                    // A server that is failing gets one more try now, not the whole wait.
                    retryAtNs = 0
                }
                var drained = false
                var failedNow = false
                let due =
                    closing || failing || now >= lastPassNs + configuration.idlePollNs
                    || newRecordsNs != nil
                if due && now >= retryAtNs {
                    lastPassNs = now
                    uploader.state.withLock { $0.newRecordsNs = nil }
                    if poster == nil { poster = Self.open(configuration, failing: failing, warn: uploader.warn) }
                    let result: ServerPoster.Pass
                    if let poster {
                        result = poster.pass(session: session) {
                            closeDeadline.map { ServerUploader.now() >= $0 } ?? false
                        }
                    } else {
                        result = .storeFailed("cannot open the database", sent: 0)
                    }
                    switch result {
                    case .drained(let sent), .stopped(let sent):
                        uploader.state.withLock { $0.report.sent += sent }
                        if failing { uploader.warn("--server: \(configuration.server.url) takes uploads again") }
                        failing = false
                        backoff.reset()
                        if case .drained = result { drained = true }
                    case .failed(let why, let sent), .storeFailed(let why, let sent):
                        uploader.state.withLock { $0.report.sent += sent }
                        if !failing {
                            uploader.warn(
                                "--server: upload to \(poster?.url ?? configuration.server.url) failed (\(why)); "
                                    + "retrying with backoff while recording goes on (the rows wait in the database)")
                        }
                        failing = true
                        failedNow = true
                        retryAtNs = ServerUploader.now() + backoff.next()
                    }
                }
                // A pass that began after closing and drained has sent every committed row.
                if let closeDeadline, (closing && (drained || failedNow)) || ServerUploader.now() >= closeDeadline {
                    break
                }
                var until = min(closeDeadline ?? .max, failing ? retryAtNs : lastPassNs + configuration.idlePollNs)
                if !failing, let newRecordsNs = uploader.state.withLock({ $0.newRecordsNs }) {
                    until = min(until, newRecordsNs)
                }
                uploader.thread.sleep(untilNs: until)
            }
            let remaining = try? poster?.outbox.remaining(session: session)
            uploader.state.withLock { $0.report.remaining = remaining }
            uploader.thread.threadEnded()
        }

        private static func open(
            _ configuration: Configuration, failing: Bool, warn: @escaping @Sendable (String) -> Void
        )
            -> ServerPoster?
        {
            do {
                let outbox = try UploadOutbox(path: configuration.path, server: configuration.server.url)
                try outbox.register(session: configuration.session, atNs: Int64(clamping: Clocks.realtimeNs()))
                return ServerPoster(outbox: outbox, server: configuration.server, warn: warn)
            } catch let error as StoreRefusal {
                if !failing { warn("--server: \(error.message)") }
                return nil
            } catch {
                if !failing { warn("--server: cannot start the session's upload cursor: \(error)") }
                return nil
            }
        }
    }
}

/// The uploader as the session's sink: rows reach it through the database, so it only needs
/// the session's end.
final class ServerUploadSink: RecordSink {
    let uploader: ServerUploader
    let server: String
    let session: Int64
    let databasePath: String

    init(uploader: ServerUploader, server: String, session: Int64, databasePath: String) {
        self.uploader = uploader
        self.server = server
        self.session = session
        self.databasePath = databasePath
    }

    /// The uploader reads the records from the database once the writer committed them.
    func submit(_ records: [Record], urgent: Bool) {}

    func beginFinish() { uploader.beginClose() }

    func finish() -> String? {
        let report = uploader.close()
        let command = "`argus-trace upload --server \(server) \(session) --db \(databasePath)`"
        guard let remaining = report.remaining, !report.timedOut else {
            return "--server: the upload did not finish in time; the rows wait in the database: \(command) sends them"
        }
        guard remaining > 0 else { return nil }
        return "--server: \(remaining) row(s) of session \(session) not uploaded yet; they wait in the database: "
            + "\(command) sends them"
    }
}
