/// The lines a watch prints when it ends, from its counts: the same at the end of a recording
/// and when `argus-trace report` rebuilds them from the database.
struct WatchSummary {
    var seconds: Double
    var samples: Int
    var logLines: Int
    /// Members seen, for a group (--follow-children, --cgroup, --unit).
    var processesSeen: Int?
    /// With --follow-restarts.
    var restarts: Int?
    /// Unless --no-stalls.
    var stalls: Int?

    var lines: [String] {
        var lines = [
            "Total monitoring time: \(Format.decimal(seconds)) seconds",
            "Metrics collected: \(samples)",
            "Log entries captured: \(logLines)",
        ]
        if let processesSeen { lines.append("Processes seen: \(processesSeen)") }
        if let restarts { lines.append("Restarts: \(restarts)") }
        if let stalls { lines.append("Stalls detected: \(stalls)") }
        return lines
    }
}
