import ArgusCore
import Dispatch
import Synchronization

/// What the writer did, for the summary and the exit status.
public struct WriterReport: Sendable, Equatable {
    public var metricsWritten = 0
    public var logsWritten = 0
    public var eventsWritten = 0
    public var stallsWritten = 0
    public var groupSamplesWritten = 0
    /// Rows that could not be saved: still queued at the end, or dropped when the bounded
    /// queue was full during a long outage.
    public var unsaved = 0
    /// The most rows, and approximate bytes, waiting to be written at any one time (queued and
    /// being written).
    public var peakBacklogRows = 0
    public var peakBacklogBytes = 0
    public var lastError: String?
    /// What --retention and --max-db-size removed while recording: sessions, and their rows in every table.
    public var retentionSessionsRemoved = 0
    public var retentionRowsRemoved: Int64 = 0
}

/// The store's own thread. The event loop hands it records and never waits on disk; it owns the
/// SQLite connection and commits in batches (one transaction per 5 s or per 1,000 rows, at
/// once for urgent rows such as a process's termination). Each commit writes the table's and
/// its indexes' pages to the WAL again (six pages for a sample, about 300 µs of CPU here),
/// so at one sample a second (`--interval 1`), one commit per sample was a third of an idle
/// watch's CPU, and a commit every 2 s still a quarter; every 5 s a reader sees a row at most
/// 5 s late, as often as Gaze samples by default (and at the default interval of 5 s most
/// commits hold one sample either way). A submit wakes the writer only when it sleeps with nothing to
/// look at (or for urgent rows or a full batch): while rows keep coming it looks every 5 s, so
/// it wakes once per commit.
///
/// The database is checked, migrated and given its session row when the writer is made, on the
/// caller's thread: a database that cannot be used is refused then (`StoreRefusal`), before
/// anything is traced, and a refused file is left untouched. The caller prepares the path
/// first: the parent directories (0700) and the file (0600) when missing, so no other user can
/// read what is traced. A missing file is still created (by SQLite, with the umask's mode).
///
/// Later failures (read-only remount, disk full, database locked) are reported once, the rows
/// stay queued (up to `maxQueuedBytes`; beyond that the oldest are dropped and counted) and are
/// retried; a new connection goes on with the same session row and stall rows.
public final class RecordWriter: Sendable {
    public struct Configuration: Sendable {
        public var path: String
        public var session: SessionInfo
        public var batchRows = 1_000
        public var maxDelayNs: UInt64 = Self.defaultMaxDelayNs
        /// How long a row waits for its commit at most, unless urgent or 1,000 are queued.
        public static let defaultMaxDelayNs: UInt64 = 5_000_000_000
        public var retryDelayNs: UInt64 = 1_000_000_000
        /// How many approximate bytes of records may wait during an outage before the oldest
        /// are dropped (and counted unsaved).
        public var maxQueuedBytes = 256 << 20
        /// How long opening waits for another connection's lock before refusing.
        public var startBusyTimeoutMs: Int32 = 5_000
        /// Old sessions to remove while recording (--retention, --max-db-size); nil: none.
        public var retention: RetentionPolicy?

        public init(path: String, session: SessionInfo) {
            self.path = path
            self.session = session
        }
    }

    struct State {
        var queue = RecordQueue()
        /// The batch being written, which is out of the queue meanwhile.
        var writingRows = 0
        var writingBytes = 0
        var firstQueuedNs: UInt64 = 0
        var urgent = false
        var closing = false
        var retryAtNs: UInt64 = 0
        var report = WriterReport()
        var failing = false
        /// The writer's last wait was a look: one delay after a write, with nothing queued, it
        /// looks again and writes what came meanwhile (rows usually keep coming, so a look takes
        /// them without a wake per row). A look that found nothing leaves it asleep until woken.
        var looking = false
        /// The writer sleeps until a submit wakes it (the queue was empty at a look).
        var sleepsUntilWoken = false

        var totals: WriterTotals {
            WriterTotals(
                peakBacklogRows: report.peakBacklogRows, peakBacklogBytes: report.peakBacklogBytes,
                unsaved: report.unsaved)
        }

        /// Drops the oldest queued records beyond the byte bound, counting them, and notes the peak.
        mutating func bound(_ maxBytes: Int) {
            report.unsaved += queue.dropOldest(whileBytesExceed: maxBytes)
            report.peakBacklogRows = max(report.peakBacklogRows, queue.count + writingRows)
            report.peakBacklogBytes = max(report.peakBacklogBytes, queue.bytes + writingBytes)
        }
    }

    let configuration: Configuration
    let state = Mutex(State())
    let wake = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)
    let warn: @Sendable (String) -> Void
    /// Called on the writer's thread after each commit (whenCommitted).
    let commitObservers = Mutex<[@Sendable () -> Void]>([])
    /// The `sessions` row this writer opened (a writer that has to reconnect to another file at
    /// the path goes on in a new row there).
    public let sessionID: Int64

    /// Calls `observer` on the writer's thread after each commit of records: what another
    /// connection reads then includes them (the `--server` uploader reads right after).
    public func whenCommitted(_ observer: @escaping @Sendable () -> Void) {
        commitObservers.withLock { $0.append(observer) }
    }

    /// Checks the database at `configuration.path` (read-only: a refused file is left as it
    /// was), migrates it and inserts the session row, all on the calling thread; then starts
    /// the writer thread with that connection. `warn` is called (from that thread) once when
    /// writing starts to fail and once when it recovers.
    public init(_ configuration: Configuration, warn: @escaping @Sendable (String) -> Void) throws(StoreRefusal) {
        let path = configuration.path
        let tablesChecked = try DatabaseProbe.check(path, trustingStamp: true)
        let handoff: ConnectionHandoff
        do {
            let database = try StoreConnection.open(
                path: path, create: true, busyTimeoutMs: configuration.startBusyTimeoutMs)
            // Before anything is written: the probe read only the header of a file stamped as ours.
            if !tablesChecked { try DatabaseProbe.checkTables(in: database, path: path) }
            let connection = try StoreConnection(database: database, hostname: configuration.session.hostname)
            let session = try connection.beginSession(configuration.session)
            connection.database.setBusyTimeout(milliseconds: Self.busyTimeoutMs)
            handoff = ConnectionHandoff(connection: connection, session: session)
        } catch let refusal as StoreRefusal {
            throw refusal
        } catch let error as SQLiteError where error.isDamage {
            throw StoreRefusal(path: path, reason: "it is not an SQLite database or is damaged: \(error.message)")
        } catch let error as SQLiteError {
            throw StoreRefusal(path: path, reason: "cannot open it for writing: \(error.message)")
        } catch {
            throw StoreRefusal(path: path, reason: "cannot open it for writing: \(error)")
        }
        self.configuration = configuration
        self.warn = warn
        sessionID = handoff.session.sessionID
        DispatchQueue(label: "argus-trace.writer").async { [self] in run(handoff) }
    }

    /// How long a write waits for another connection's lock before it counts as a failure.
    static let busyTimeoutMs: Int32 = 200

    /// Queues records; never blocks on disk. `urgent` commits them (and all before) at once.
    public func submit(_ records: [Record], urgent: Bool = false) {
        guard !records.isEmpty || urgent else { return }
        let shouldWake = state.withLock { state in
            let wasEmpty = state.queue.isEmpty
            if wasEmpty { state.firstQueuedNs = Self.now() }
            for record in records { state.queue.append(record) }
            state.bound(configuration.maxQueuedBytes)
            state.urgent = state.urgent || urgent
            return (wasEmpty && state.sleepsUntilWoken) || urgent || state.queue.count >= configuration.batchRows
        }
        if shouldWake { wake.signal() }
    }

    public func submit(_ record: Record, urgent: Bool = false) { submit([record], urgent: urgent) }

    /// Rows dropped so far because the queue outgrew its bound (close adds what is still queued).
    public var unsavedRows: Int { state.withLock { $0.report.unsaved } }

    /// Rows queued and not yet committed.
    public var backlog: Int { state.withLock { $0.queue.count } }

    /// Writes everything queued (one last try if writing was failing), stops the thread and
    /// says what was saved. Waits at most `timeoutNs` for the disk.
    public func close(timeoutNs: UInt64 = 10_000_000_000) -> WriterReport {
        state.withLock { $0.closing = true }
        wake.signal()
        _ = finished.wait(timeout: .now() + .nanoseconds(Int(clamping: timeoutNs)))
        return state.withLock { state in
            var report = state.report
            report.unsaved += state.queue.count + state.writingRows
            return report
        }
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

/// Carries the connection opened on the caller's thread to the writer thread. `@unchecked
/// Sendable` is safe: the caller never touches the connection or the box once it has handed it
/// over, and only the writer thread takes it out, once, after the handover.
final class ConnectionHandoff: @unchecked Sendable {
    private var connection: StoreConnection?
    let session: SessionRows

    init(connection: StoreConnection, session: SessionRows) {
        self.connection = connection
        self.session = session
    }

    /// The connection, which the box no longer holds: closing it is then up to the taker.
    func take() -> StoreConnection? {
        defer { connection = nil }
        return connection
    }
}
