import ArgusCore
import ArgusStore

/// `argus-trace report` as text and as JSON: the session's facts, then the exit summary it
/// printed when it ended (a run's tree, or a watch's counts), rebuilt from the database.
extension SessionReport {
    /// The facts every form starts with, one per line.
    var headerLines: [String] {
        var lines = [
            "Session \(session.id) (\(session.mode)): \(session.commandOrTarget)",
            "Host: \(session.hostname ?? "?"), kernel \(session.kernel ?? "?"), argus-trace \(session.version)",
            "Started: \(WallTime(nanoseconds: startNs).iso8601), duration \(RunReport.seconds(session.durationNs))",
            "Ended: \(statusText)",
        ]
        if let lossText { lines.append("Lost: \(lossText)") }
        return lines
    }

    public func text() -> String {
        var text = headerLines.joined(separator: "\n") + "\n"
        if let runReport {
            text += runReport.summary()
        } else if let watchSummary {
            text += "\n"
            if let status = session.targetStatus { text += "\(Console.prefix) Process terminated (\(status))\n" }
            for line in watchSummary.lines { text += "\(Console.prefix) \(line)\n" }
        }
        if !recording.stalls.isEmpty {
            text += "\n" + StallReport.listText(recording.stalls)
        }
        return text
    }

    /// `--json`: the session (as `sessions --json` lists it), the run's report (as `run --report`
    /// writes it) or the watch's counts, and the stalls (as `stalls --json` lists them).
    public func json() -> String {
        let watch = watchSummary.map { summary in
            "{\"monitoring_seconds\":\(summary.seconds),\"samples\":\(summary.samples),"
                + "\"log_lines\":\(summary.logLines),\"processes_seen\":\(StallReport.optional(summary.processesSeen)),"
                + "\"restarts\":\(StallReport.optional(summary.restarts)),"
                + "\"stalls\":\(StallReport.optional(summary.stalls))}"
        }
        return "{\"session\":\(SessionList.json(session)),\n\"run\":\(runReport?.json() ?? "null"),\n"
            + "\"watch\":\(watch ?? "null"),\n\"stalls\":\(StallReport.listJSON(recording.stalls))}\n"
    }
}
