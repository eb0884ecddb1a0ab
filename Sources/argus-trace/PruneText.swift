import ArgusCore
import ArgusStore

/// The text `prune` prints: what it removed, per table, and what it freed.
enum PruneText {
    static func describe(_ report: PruneReport, dryRun: Bool) -> String {
        let verb = dryRun ? "Would remove" : "Removed"
        let count = report.sessions.count
        var lines = [
            "\(verb) \(count) session\(count == 1 ? "" : "s")\(count == 0 ? "." : ": " + ids(report.sessions))"
        ]
        for (table, rows) in report.rows {
            lines.append("  " + table.padding(to: 20) + " \(rows) row\(rows == 1 ? "" : "s")")
        }
        if report.unfinishedKept > 0 {
            lines.append(
                "Kept \(report.unfinishedKept) matching session(s) that have not ended (recording, or their recorder died; "
                    + "--include-unfinished removes the latter).")
        }
        if report.uploadPendingKept > 0 {
            lines.append(
                "Kept \(report.uploadPendingKept) session(s) whose rows the --server upload has not sent yet "
                    + "(argus-trace upload sends them).")
        }
        let used =
            SizeText.describe(report.usedBefore) + " → " + (report.estimated ? "about " : "")
            + SizeText.describe(report.usedAfter)
        if dryRun {
            lines.append("Data: \(used). Nothing was changed (dry run).")
        } else {
            lines.append(
                "Data: \(used). File: \(SizeText.describe(report.bytesBefore)) → \(SizeText.describe(report.bytesAfter)), "
                    + "freed \(SizeText.describe(report.freedBytes)).")
            if report.freedBytes == 0 && report.usedAfter < report.usedBefore {
                lines.append("The freed pages stay in the file for reuse; --vacuum gives them back.")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// "3, 4, 5" or, for many, "3, 4, 5, … 40 (38 in all)".
    private static func ids(_ sessions: [Int64]) -> String {
        guard sessions.count > 8 else { return sessions.map(String.init).joined(separator: ", ") }
        return sessions.prefix(5).map(String.init).joined(separator: ", ") + ", … \(sessions.last ?? 0)"
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
