/// `argus-trace prune`: removes whole ended sessions from a database file by a `RetentionRule`.
///
/// Safe beside a recorder writing into the same file: every change is a small BEGIN IMMEDIATE
/// transaction that waits up to `busyTimeoutMs` for the recorder's lock (WAL lets readers go
/// on), and the recorder's own session has not ended, so it is not touched. VACUUM waits for a
/// moment when no one writes, and fails as busy if none comes.
public enum Prune {
    /// Removes what `rule` names (or, with `dryRun`, only counts it: the file is opened
    /// read-only, and without a -wal file beside it as immutable, so its bytes stay as they
    /// were), then gives the space back: incremental vacuum when the file has
    /// auto_vacuum = INCREMENTAL, and VACUUM (which switches it to INCREMENTAL) when `vacuum`.
    /// Throws `StoreRefusal` for a file that is missing or not argus-trace's, `SQLiteError`
    /// when reading or writing it fails.
    public static func run(
        path: String, rule: RetentionRule, dryRun: Bool, vacuum: Bool, nowNs: Int64, busyTimeoutMs: Int32 = 5_000
    ) throws -> PruneReport {
        guard DatabaseProbe.exists(path) else { throw StoreRefusal(path: path, reason: "no such file") }
        try DatabaseProbe.check(path)
        if dryRun {
            let mode: SQLiteDatabase.OpenMode = DatabaseProbe.exists(path + "-wal") ? .readOnly : .readOnlyUntouched
            let database = try SQLiteDatabase(path: path, mode: mode)
            database.setBusyTimeout(milliseconds: busyTimeoutMs)
            return try Pruner(database).preview(rule, nowNs: nowNs, protecting: nil)
        }
        let database = try SQLiteDatabase(path: path, mode: .readWrite)
        database.setBusyTimeout(milliseconds: busyTimeoutMs)
        // As the writer's own connection: in WAL a commit then waits for no fsync, so each small
        // transaction holds the write lock for milliseconds (a crash may undo the last ones,
        // which the next prune redoes).
        try database.execute("PRAGMA synchronous = NORMAL")
        return try PruneJob(database, rule: rule, nowNs: nowNs, protecting: nil).runToEnd(vacuum: vacuum)
    }
}
