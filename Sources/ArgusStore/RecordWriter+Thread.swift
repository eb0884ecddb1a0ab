import ArgusCore
import Dispatch

/// The writer thread: waits for records, writes them in batches, and on failure keeps them,
/// retries, and reconnects when the connection itself failed.
extension RecordWriter {
    enum Step {
        /// Sleep until woken, or at most this long (nil: until woken).
        case wait(UInt64?)
        /// Write these, with the writer's numbers so far for a session row that ends.
        case write([Record], WriterTotals)
        /// Nothing is left to write: record the writer's final numbers and stop.
        case stop(WriterTotals)
    }

    func run(_ handoff: ConnectionHandoff) {
        var connection = handoff.take()
        var session = handoff.session
        var retention = configuration.retention.map(RetentionRunner.init)
        while true {
            switch nextStep() {
            case .stop(let totals):
                // Best effort: when writing is what failed, the session row keeps what it had.
                try? connection?.record(totals, in: session)
                connection = nil  // closed (and the WAL checkpointed) before anyone is told
                finished.signal()
                return
            case .wait(let ns):
                // Between batches: one small transaction of retention, if it has work now.
                if let connection, retain(&retention, in: connection, protecting: session) { continue }
                let until = min(ns ?? .max, retention?.waitNs(now: Self.now()) ?? .max)
                if until == .max {
                    wake.wait()
                } else {
                    _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(until, 3_600_000_000_000))))
                }
            case .write(let batch, let totals):
                do throws(SQLiteError) {
                    let open: StoreConnection
                    if let connection { open = connection } else { open = try reconnect(&session) }
                    connection = open
                    try open.write(batch, in: &session, totals: totals)
                    succeeded(batch)
                    for observer in commitObservers.withLock({ $0 }) { observer() }
                } catch {
                    if !error.isBusy { connection = nil }
                    failed(batch, error)
                }
            }
        }
    }

    /// A new connection after a failure, going on with the same session row and stall rows.
    /// The file is not created again: a database that vanished stays a failure.
    private func reconnect(_ session: inout SessionRows) throws(SQLiteError) -> StoreConnection {
        let connection = try StoreConnection(
            path: configuration.path, hostname: configuration.session.hostname, create: false,
            busyTimeoutMs: Self.busyTimeoutMs)
        if try !connection.hasSession(session) {
            // Another file is at the path now: its rows need a session row of their own.
            session = try connection.beginSession(configuration.session)
        }
        return connection
    }

    private func nextStep() -> Step {
        let now = Self.now()
        return state.withLock { state in
            let looked = state.looking
            state.looking = false
            state.sleepsUntilWoken = false
            if state.queue.isEmpty {
                if state.closing { return .stop(state.totals) }
                if looked {
                    state.sleepsUntilWoken = true
                    return .wait(nil)
                }
                state.looking = true
                return .wait(configuration.maxDelayNs)
            }
            if state.failing && !state.closing && now < state.retryAtNs { return .wait(state.retryAtNs - now) }
            let due = state.firstQueuedNs + configuration.maxDelayNs
            let ready =
                state.urgent || state.closing || state.failing || looked
                || state.queue.count >= configuration.batchRows || now >= due
            guard ready else { return .wait(due - now) }
            state.writingRows = state.queue.count
            state.writingBytes = state.queue.bytes
            let batch = state.queue.takeAll()
            state.urgent = false
            return .write(batch, state.totals)
        }
    }

    /// One step of retention when it has work now; false (nothing done) otherwise. What a pass
    /// removed goes into the report when it ends.
    private func retain(
        _ retention: inout RetentionRunner?, in connection: StoreConnection, protecting session: SessionRows
    ) -> Bool {
        let now = Self.now()
        guard var runner = retention, runner.waitNs(now: now) == 0 else { return false }
        let report = runner.step(connection.database, protecting: session.sessionID, now: now, warn: warn)
        retention = runner
        if let report {
            let rows = report.rows.filter { $0.table != "sessions" }.reduce(0) { $0 + $1.count }
            state.withLock { state in
                state.report.retentionSessionsRemoved += report.sessions.count
                state.report.retentionRowsRemoved += rows
            }
        }
        return true
    }

    private func succeeded(_ batch: [Record]) {
        let recovered = state.withLock { state in
            for record in batch {
                switch record {
                case .metric: state.report.metricsWritten += 1
                case .log: state.report.logsWritten += 1
                case .event: state.report.eventsWritten += 1
                case .stall: state.report.stallsWritten += 1
                case .groupSample: state.report.groupSamplesWritten += 1
                case .session, .process, .stallEnd, .stallSnapshot, .fineSamples, .alert, .alertCleared: break
                }
            }
            state.writingRows = 0
            state.writingBytes = 0
            defer { state.failing = false }
            return state.failing
        }
        if recovered { warn("database writes work again; queued rows saved") }
    }

    private func failed(_ batch: [Record], _ error: SQLiteError) {
        let now = Self.now()
        let firstFailure = state.withLock { state in
            // Put the batch back in front of what arrived meanwhile, keeping order.
            state.queue.prepend(batch)
            state.writingRows = 0
            state.writingBytes = 0
            state.firstQueuedNs = now
            state.bound(configuration.maxQueuedBytes)
            state.report.lastError = error.message
            state.retryAtNs = now + configuration.retryDelayNs
            defer { state.failing = true }
            // While closing, a failed last try ends the thread: what is left is counted unsaved.
            if state.closing {
                state.report.unsaved += state.queue.count
                _ = state.queue.takeAll()
            }
            return !state.failing
        }
        if firstFailure { warn("cannot write to the database: \(error.message); rows are kept and retried") }
    }
}
