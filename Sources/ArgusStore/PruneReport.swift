/// What a prune removed (or, in a dry run, would remove) and what it gave back.
public struct PruneReport: Sendable, Equatable {
    /// The sessions removed, oldest first.
    public var sessions: [Int64] = []
    /// Rows removed per table, in `Pruner.tables` order (sessions last); tables with none are left out.
    public var rows: [(table: String, count: Int64)] = []
    /// The file's pages (page_count × page_size) before and after.
    public var bytesBefore: Int64 = 0
    public var bytesAfter: Int64 = 0
    /// Bytes in use (pages not on the free list) before and after.
    public var usedBefore: Int64 = 0
    public var usedAfter: Int64 = 0
    /// Sessions that matched the rule but were kept because they have not ended.
    public var unfinishedKept = 0
    /// Sessions that matched (or could go for size) but were kept because the --server outbox
    /// has not sent all their rows.
    public var uploadPendingKept = 0
    /// A dry run's `usedAfter` for --max-size is an estimate (each session's share of the rows).
    public var estimated = false

    public init() {}

    public var freedBytes: Int64 { bytesBefore - bytesAfter }

    /// The rows removed from `table`.
    public func removed(from table: String) -> Int64 { rows.first { $0.table == table }?.count ?? 0 }

    mutating func add(_ count: Int64, to table: String) {
        guard count > 0 else { return }
        if let index = rows.firstIndex(where: { $0.table == table }) {
            rows[index].count += count
        } else {
            rows.append((table, count))
        }
    }

    public static func == (a: PruneReport, b: PruneReport) -> Bool {
        a.sessions == b.sessions && a.rows.map(\.table) == b.rows.map(\.table)
            && a.rows.map(\.count) == b.rows.map(\.count)
            && a.bytesBefore == b.bytesBefore && a.bytesAfter == b.bytesAfter && a.unfinishedKept == b.unfinishedKept
    }
}
