import ArgusCore
import ArgusStore

/// Where a session's records go: the SQLite writer now, exporters later. A sink never blocks the
/// loop: it queues, and does its slow work on a thread of its own.
protocol RecordSink: AnyObject {
    /// Queues records; `urgent` asks for them (and all before) to be committed at once.
    func submit(_ records: [Record], urgent: Bool)
}

extension RecordWriter: RecordSink {}
