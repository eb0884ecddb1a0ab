/// Removes whole sessions from a database with every row that belongs to them, a small
/// transaction at a time: each table's rows of the session in chunks of `chunkRows`, children
/// before parents (a stall's threads and processes, then its snapshots, then the stall), and
/// the `sessions` row last. Whatever point an interruption stops at, no row is left whose
/// owner is gone, and a second prune finishes the session.
///
/// Tables the file does not have yet (an older schema version) are skipped; rows with a NULL
/// `session_id` (Gaze's own writers) are never touched.
final class Pruner {
    /// Every table with the rows of session ?1, children before parents; `sessions` is last.
    static let tables: [(name: String, owned: String)] = [
        (
            "stall_threads",
            "snapshot_id IN (SELECT s.id FROM stall_snapshots s JOIN stalls t ON s.stall_id = t.id WHERE t.session_id = ?1)"
        ),
        (
            "stall_processes",
            "snapshot_id IN (SELECT s.id FROM stall_snapshots s JOIN stalls t ON s.stall_id = t.id WHERE t.session_id = ?1)"
        ),
        ("stall_snapshots", "stall_id IN (SELECT id FROM stalls WHERE session_id = ?1)"),
        ("stalls", "session_id = ?1"),
        ("fine_samples", "session_id = ?1"),
        ("group_samples", "session_id = ?1"),
        ("alerts", "session_id = ?1"),
        ("performance_metrics", "session_id = ?1"),
        ("log_entries", "session_id = ?1"),
        ("process_events", "session_id = ?1"),
        ("processes", "session_id = ?1"),
        ("upload_cursors", "session_id = ?1"),
        ("sessions", "id = ?1"),
    ]

    /// One session as the rule sees it.
    struct SessionAge {
        var id: Int64
        var startedNs: Int64
        var endedNs: Int64?
    }

    let database: SQLiteDatabase
    /// The tables of `tables` this file has.
    let present: [String]
    var chunkRows: Int64 = 500
    /// How many sessions the last `plan` matched but kept because the --server outbox has not
    /// sent all their rows.
    private(set) var uploadPendingKept = 0

    init(_ database: SQLiteDatabase) throws(SQLiteError) {
        self.database = database
        let found = try Schema.tables(in: database)
        present = Self.tables.map(\.name).filter { found[$0] != nil }
    }

    /// Every session, oldest first.
    func sessions() throws(SQLiteError) -> [SessionAge] {
        guard present.contains("sessions") else { return [] }
        let statement = try database.prepare("SELECT id, started_ns, ended_ns FROM sessions ORDER BY started_ns, id")
        var all: [SessionAge] = []
        while try statement.step() {
            all.append(
                SessionAge(id: statement.int64(0) ?? 0, startedNs: statement.int64(1) ?? 0, endedNs: statement.int64(2))
            )
        }
        return all
    }

    /// The sessions the rule removes outright (age, count) and, after them, those that may go
    /// while the database is over its size, both oldest first; and how many matched but are
    /// kept because they have not ended. `protecting` (the session being recorded) is never
    /// among them.
    func plan(_ rule: RetentionRule, nowNs: Int64, protecting: Int64?) throws(SQLiteError)
        -> (byRule: [Int64], bySize: [Int64], unfinishedKept: Int)
    {
        let all = try sessions()
        let unsent = try uploadPending()
        uploadPendingKept = 0
        let cutoff = rule.olderThanNs.map { nowNs - Int64(clamping: $0) }
        let keepFrom = rule.keepSessions.map { all.count - max($0, 0) }
        var byRule: [Int64] = []
        var bySize: [Int64] = []
        var unfinishedKept = 0
        for (index, session) in all.enumerated() where session.id != protecting {
            let old = cutoff.map { (session.endedNs ?? session.startedNs) < $0 } ?? false
            let surplus = keepFrom.map { index < $0 } ?? false
            guard session.endedNs != nil || rule.includeUnfinished else {
                if old || surplus { unfinishedKept += 1 }
                continue
            }
            // The outbox cursor wins: rows a --server has not taken are not removed.
            guard !unsent.contains(session.id) else {
                if old || surplus || rule.maxBytes != nil { uploadPendingKept += 1 }
                continue
            }
            if old || surplus {
                byRule.append(session.id)
            } else if rule.maxBytes != nil {
                bySize.append(session.id)
            }
        }
        return (byRule, bySize, unfinishedKept)
    }

    /// Sessions with a --server cursor (`upload_cursors`) behind one of their rows.
    func uploadPending() throws(SQLiteError) -> Set<Int64> {
        guard present.contains("upload_cursors") else { return [] }
        let behind = ["performance_metrics", "log_entries", "process_events"].map { table in
            "(c.table_name = '\(table)' AND EXISTS (SELECT 1 FROM \(table) r WHERE r.session_id = c.session_id "
                + "AND r.id > c.last_id))"
        }
        let statement = try database.prepare(
            "SELECT DISTINCT c.session_id FROM upload_cursors c WHERE " + behind.joined(separator: " OR "))
        var sessions: Set<Int64> = []
        while try statement.step() { if let id = statement.int64(0) { sessions.insert(id) } }
        return sessions
    }

    /// Deletes up to `chunkRows` of the session's rows in `table` in one transaction; returns
    /// how many went (fewer than `chunkRows`: the table has no more of them).
    func deleteChunk(of session: Int64, in table: String) throws(SQLiteError) -> Int64 {
        guard let owned = Self.tables.first(where: { $0.name == table })?.owned else { return 0 }
        let statement = try database.prepare(
            "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE \(owned) LIMIT ?2)")
        return try database.transaction { () throws(SQLiteError) -> Int64 in
            try statement.run([.integer(session), .integer(chunkRows)])
            return database.changes
        }
    }

    /// How many of the session's rows `table` holds.
    func count(of session: Int64, in table: String) throws(SQLiteError) -> Int64 {
        guard let owned = Self.tables.first(where: { $0.name == table })?.owned else { return 0 }
        let statement = try database.prepare("SELECT count(*) FROM \(table) WHERE \(owned)")
        statement.bind([.integer(session)])
        return try statement.step() ? statement.int64(0) ?? 0 : 0
    }
}
