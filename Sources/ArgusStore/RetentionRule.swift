/// Which sessions a prune removes: whole ended sessions, oldest first (by start), that are
/// older than `olderThanNs` (ended before now minus it), or beyond the `keepSessions` newest,
/// and then more of them while the database's used pages exceed `maxBytes`. Any of the three
/// may be set; a session matching any is removed.
///
/// A session whose `ended_ns` is NULL is never removed unless `includeUnfinished`: it is either
/// still recording or its recorder died (SIGKILL, power loss), and the two cannot be told apart
/// from the file. With `includeUnfinished` such a session is judged by its start.
public struct RetentionRule: Sendable, Equatable {
    public var olderThanNs: UInt64?
    public var keepSessions: Int?
    public var maxBytes: UInt64?
    public var includeUnfinished = false

    public init(
        olderThanNs: UInt64? = nil, keepSessions: Int? = nil, maxBytes: UInt64? = nil, includeUnfinished: Bool = false
    ) {
        self.olderThanNs = olderThanNs
        self.keepSessions = keepSessions
        self.maxBytes = maxBytes
        self.includeUnfinished = includeUnfinished
    }

    /// No limit set: nothing would be removed.
    public var isEmpty: Bool { olderThanNs == nil && keepSessions == nil && maxBytes == nil }
}
