import ArgusCore
import Dispatch
import Synchronization

/// What the writer did, for the summary and the exit status.
public struct WriterReport: Sendable, Equatable {
    public var metricsWritten = 0
    public var logsWritten = 0
    public var eventsWritten = 0
    public var stallsWritten = 0
    /// Rows that could not be saved: still queued at the end, or dropped when the bounded
    /// queue was full during a long outage.
    public var unsaved = 0
    public var lastError: String?
}

/// The store's own thread. The event loop hands it records and never waits on disk; it owns the
/// SQLite connection and commits in batches (one transaction per ~250 ms or per 1,000 rows, at
/// once for urgent rows such as a process's termination).
///
/// Failures (read-only path, disk full, database locked) are reported once, the rows stay
/// queued (up to `maxQueued`; beyond that the oldest are dropped and counted) and are retried.
public final class RecordWriter: Sendable {
    public struct Configuration: Sendable {
        public var path: String
        public var session: SessionInfo
        public var batchRows = 1_000
        public var maxDelayNs: UInt64 = 250_000_000
        public var retryDelayNs: UInt64 = 1_000_000_000
        public var maxQueued = 1_000_000

        public init(path: String, session: SessionInfo) {
            self.path = path
            self.session = session
        }
    }

    private struct State {
        var queue: [Record] = []
        var firstQueuedNs: UInt64 = 0
        var urgent = false
        var closing = false
        var retryAtNs: UInt64 = 0
        var report = WriterReport()
        var failing = false
    }

    private let configuration: Configuration
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let warn: @Sendable (String) -> Void

    /// Starts the writer thread. `warn` is called (from that thread) once when writing starts to
    /// fail and once when it recovers.
    public init(_ configuration: Configuration, warn: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.warn = warn
        DispatchQueue(label: "argus-trace.writer").async { [self] in run() }
    }

    /// Queues records; never blocks on disk. `urgent` commits them (and all before) at once.
    public func submit(_ records: [Record], urgent: Bool = false) {
        guard !records.isEmpty || urgent else { return }
        let shouldWake = state.withLock { state in
            let wasEmpty = state.queue.isEmpty
            if wasEmpty { state.firstQueuedNs = Self.now() }
            state.queue.append(contentsOf: records)
            let overflow = state.queue.count - configuration.maxQueued
            if overflow > 0 {
                state.queue.removeFirst(overflow)
                state.report.unsaved += overflow
            }
            state.urgent = state.urgent || urgent
            return wasEmpty || urgent || state.queue.count >= configuration.batchRows
        }
        if shouldWake { wake.signal() }
    }

    public func submit(_ record: Record, urgent: Bool = false) { submit([record], urgent: urgent) }

    /// Rows queued and not yet committed.
    public var backlog: Int { state.withLock { $0.queue.count } }

    /// Writes everything queued (one last try if writing was failing), stops the thread and
    /// says what was saved. Waits at most `timeoutNs` for the disk.
    public func close(timeoutNs: UInt64 = 10_000_000_000) -> WriterReport {
        state.withLock { $0.closing = true }
        wake.signal()
        _ = finished.wait(timeout: .now() + .nanoseconds(Int(timeoutNs)))
        return state.withLock { state in
            var report = state.report
            report.unsaved += state.queue.count
            return report
        }
    }

    private enum Step {
        /// Sleep until woken, or at most this long (nil: until woken).
        case wait(UInt64?)
        case write([Record])
        case stop
    }

    private func run() {
        var connection: StoreConnection?
        while true {
            switch nextStep() {
            case .stop:
                connection = nil  // closed (and the WAL checkpointed) before anyone is told
                finished.signal()
                return
            case .wait(let ns?):
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(ns, 1_000_000_000))))
            case .wait(nil):
                wake.wait()
            case .write(let batch):
                do {
                    if connection == nil {
                        connection = try StoreConnection(path: configuration.path, session: configuration.session)
                    }
                    try connection!.write(batch[...])
                    succeeded(batch)
                } catch {
                    if !error.isBusy { connection = nil }
                    failed(batch, error)
                }
            }
        }
    }

    private func nextStep() -> Step {
        let now = Self.now()
        return state.withLock { state in
            if state.queue.isEmpty { return state.closing ? .stop : .wait(nil) }
            if state.failing && !state.closing && now < state.retryAtNs { return .wait(state.retryAtNs - now) }
            let due = state.firstQueuedNs + configuration.maxDelayNs
            let ready = state.urgent || state.closing || state.failing
                || state.queue.count >= configuration.batchRows || now >= due
            guard ready else { return .wait(due - now) }
            let batch = state.queue
            state.queue.removeAll(keepingCapacity: true)
            state.urgent = false
            return .write(batch)
        }
    }

    private func succeeded(_ batch: [Record]) {
        let recovered = state.withLock { state in
            for record in batch {
                switch record {
                case .metric: state.report.metricsWritten += 1
                case .log: state.report.logsWritten += 1
                case .event: state.report.eventsWritten += 1
                case .stall: state.report.stallsWritten += 1
                case .session, .process, .stallEnd, .stallSnapshot, .fineSamples: break
                }
            }
            defer { state.failing = false }
            return state.failing
        }
        if recovered { warn("database writes work again; queued rows saved") }
    }

    private func failed(_ batch: [Record], _ error: SQLiteError) {
        let now = Self.now()
        let firstFailure = state.withLock { state in
            // Put the batch back in front of what arrived meanwhile, keeping order.
            state.queue.insert(contentsOf: batch, at: 0)
            state.firstQueuedNs = now
            let overflow = state.queue.count - configuration.maxQueued
            if overflow > 0 {
                state.queue.removeFirst(overflow)
                state.report.unsaved += overflow
            }
            state.report.lastError = error.message
            state.retryAtNs = now + configuration.retryDelayNs
            defer { state.failing = true }
            // While closing, a failed last try ends the thread: what is left is counted unsaved.
            if state.closing {
                state.report.unsaved += state.queue.count
                state.queue.removeAll()
            }
            return !state.failing
        }
        if firstFailure { warn("cannot write to the database: \(error.message); rows are kept and retried") }
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
