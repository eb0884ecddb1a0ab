/// One pass of a `RetentionRule` over a database, done one small transaction per `step()`, so a
/// caller (the writer thread) can write its own batches between steps. It removes the sessions
/// the rule names, then more while the used bytes exceed `maxBytes`, then hands free pages back
/// (incremental vacuum, when the file has auto_vacuum = INCREMENTAL).
final class PruneJob {
    private let pruner: Pruner
    private let rule: RetentionRule
    private var byRule: [Int64]
    private var bySize: [Int64]
    /// The session being removed and the index in `Pruner.tables` of the table being emptied.
    private var current: (session: Int64, table: Int)?
    private var shrinking = false
    private(set) var report = PruneReport()
    private(set) var done = false

    init(_ database: SQLiteDatabase, rule: RetentionRule, nowNs: Int64, protecting: Int64?) throws(SQLiteError) {
        pruner = try Pruner(database)
        self.rule = rule
        (byRule, bySize, report.unfinishedKept) = try pruner.plan(rule, nowNs: nowNs, protecting: protecting)
        report.uploadPendingKept = pruner.uploadPendingKept
        (report.bytesBefore, report.usedBefore) = try pruner.pageBytes()
    }

    /// Does one small transaction; false once the job is done (the report is then final).
    @discardableResult
    func step() throws(SQLiteError) -> Bool {
        guard !done else { return false }
        if shrinking {
            if try pruner.shrinkStep() { return true }
            return finish()
        }
        if current == nil { current = try next() }
        guard let (session, table) = current else {
            shrinking = true
            return true
        }
        let name = Pruner.tables[table].name
        guard pruner.present.contains(name) else {
            advance(session, table)
            return true
        }
        let removed = try pruner.deleteChunk(of: session, in: name)
        report.add(removed, to: name)
        if removed < pruner.chunkRows {
            if name == "sessions" { report.sessions.append(session) }
            advance(session, table)
        } else {
            current = (session, table)
        }
        return true
    }

    private func advance(_ session: Int64, _ table: Int) {
        current = table + 1 < Pruner.tables.count ? (session, table + 1) : nil
    }

    /// The next session to remove: the rule's, then the oldest while over the size.
    private func next() throws(SQLiteError) -> (Int64, Int)? {
        if !byRule.isEmpty { return (byRule.removeFirst(), 0) }
        if let maxBytes = rule.maxBytes, !bySize.isEmpty, try pruner.pageBytes().used > Int64(clamping: maxBytes) {
            return (bySize.removeFirst(), 0)
        }
        return nil
    }

    private func finish() -> Bool {
        if let (total, used) = try? pruner.pageBytes() { (report.bytesAfter, report.usedAfter) = (total, used) }
        done = true
        return false
    }

    /// Runs every step, then (when `vacuum`) rewrites the file with VACUUM.
    func runToEnd(vacuum: Bool) throws(SQLiteError) -> PruneReport {
        while try step() {}
        if vacuum {
            try pruner.vacuum()
            _ = finish()
        }
        return report
    }
}
