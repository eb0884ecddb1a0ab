/// A dry run: what a prune would remove, read without writing.
extension Pruner {
    /// The report a prune with `rule` would give, from counts alone. For `maxBytes`, each
    /// session is taken to use its share of the used bytes in proportion to its rows, so the
    /// sessions named and `usedAfter` are an estimate (`estimated`); no space is given back.
    func preview(_ rule: RetentionRule, nowNs: Int64, protecting: Int64?) throws(SQLiteError) -> PruneReport {
        var report = PruneReport()
        let (byRule, bySize, unfinishedKept) = try plan(rule, nowNs: nowNs, protecting: protecting)
        report.unfinishedKept = unfinishedKept
        report.uploadPendingKept = uploadPendingKept
        (report.bytesBefore, report.usedBefore) = try pageBytes()
        report.bytesAfter = report.bytesBefore
        var allRows: Int64 = 0
        for table in present where table != "sessions" {
            allRows += try database.scalar("SELECT count(*) FROM \(table)") ?? 0
        }
        var used = Double(report.usedBefore)
        let share = allRows > 0 ? used / Double(allRows) : 0
        for (session, bySizeOnly) in byRule.map({ ($0, false) }) + bySize.map({ ($0, true) }) {
            if bySizeOnly {
                guard let maxBytes = rule.maxBytes, used > Double(maxBytes) else { break }
                report.estimated = true
            }
            for table in present {
                let count = try count(of: session, in: table)
                report.add(count, to: table)
                if table != "sessions" { used -= Double(count) * share }
            }
            report.sessions.append(session)
        }
        report.usedAfter = Int64(max(used, 0))
        return report
    }
}
