import ArgusCore
import ArgusStore

/// Where a session's records go: the SQLite writer, and exporters. A sink never blocks the
/// loop: it queues, and does its slow work on a thread of its own.
protocol RecordSink: AnyObject {
    /// Queues records; `urgent` asks for them (and all before) to be committed at once.
    func submit(_ records: [Record], urgent: Bool)

    /// At the session's end, once the writer has committed everything: starts sending what is
    /// left. Every sink is told before any is waited for, so they finish side by side.
    func beginFinish()

    /// Waits (a bounded time) for what `beginFinish` started, and stops; returns a line for the
    /// console when something was not delivered.
    func finish() -> String?
}

extension RecordSink {
    func beginFinish() {}
    func finish() -> String? { nil }
}

extension RecordWriter: RecordSink {}
