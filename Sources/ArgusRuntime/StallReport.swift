import ArgusCore
import ArgusStore

/// `argus-trace stalls`: the stalls in a database as a table or JSON, and one stall with its
/// timeline (the fine samples before and during it, with its snapshots in place).
public enum StallReport {
    public static func listText(_ stalls: [StallReader.Stall]) -> String {
        guard !stalls.isEmpty else { return "No stalls recorded.\n" }
        var rows = [["ID", "KIND", "PID", "PROCESS", "STARTED", "DURATION", "SNAPSHOTS", "TRIGGER", "ARGV"]]
        for stall in stalls {
            let argv = stall.argv.map { $0.joined(separator: " ") } ?? ""
            rows.append([
                String(stall.id), stall.kind, String(stall.pid), stall.processName ?? "?", stall.startedAt,
                duration(stall), String(stall.snapshots), stall.trigger,
                argv.count > 60 ? String(argv.prefix(57)) + "..." : argv,
            ])
        }
        return table(rows)
    }

    public static func listJSON(_ stalls: [StallReader.Stall]) -> String {
        "[" + stalls.map(json).joined(separator: ",\n") + "]\n"
    }

    public static func detailText(
        _ stall: StallReader.Stall, snapshots: [StallReader.Snapshot], samples: [StallReader.SampleRow]
    ) -> String {
        var out = "Stall \(stall.id): \(stall.kind) of \(stall.processName ?? "?") (PID \(stall.pid))\n"
        out += "  Began:   \(stall.startedAt)\n"
        out += "  Detected: \(stall.detectedAt ?? "?"): \(stall.trigger)\n"
        if let endedAt = stall.endedAt {
            out += "  Ended:   \(endedAt) after \(duration(stall)) (\(stall.endReason ?? "?"))\n"
        } else {
            out += "  Ended:   not yet (or argus-trace was killed before it could say)\n"
        }
        if let peak = stall.peakValue {
            out += "  Peak:    \(Format.decimal(peak)) \(unit(stall.kind)) at \(stall.peakAt ?? "?")\n"
        }
        out += "\nTimeline (seconds from the stall's start):\n"
        var events: [(ns: Int64, order: Int, text: String)] = []
        events.append((stall.startedNs, 1, "  \(offset(stall.startedNs, stall)) ── stall began\n"))
        if let detectedNs = stall.detectedNs {
            events.append((detectedNs, 1, "  \(offset(detectedNs, stall)) ── stall detected: \(stall.trigger)\n"))
        }
        if let endedNs = stall.endedNs {
            events.append((endedNs, 1, "  \(offset(endedNs, stall)) ── stall ended: \(stall.endReason ?? "?")\n"))
        }
        for snapshot in snapshots { events.append((snapshot.capturedNs, 2, snapshotText(snapshot, stall))) }
        for line in sampleLines(samples, stall) { events.append((line.ns, 0, line.text)) }
        for event in events.sorted(by: { ($0.ns, $0.order) < ($1.ns, $1.order) }) { out += event.text }
        return out
    }

    public static func detailJSON(
        _ stall: StallReader.Stall, snapshots: [StallReader.Snapshot], samples: [StallReader.SampleRow]
    ) -> String {
        let snapshotItems = snapshots.map { snapshot in
            let pressure = snapshot.pressure.map { "\(JSONText.quote($0.resource)):\(JSONText.quote($0.text))" }
            let threads = snapshot.threads.map { thread in
                "{\"tid\":\(thread.tid),\"name\":\(JSONText.quote(thread.name)),\"state\":\(JSONText.quote(thread.state)),"
                    + "\"wchan\":\(optional(thread.wchan)),\"syscall\":\(optional(thread.syscall)),"
                    + "\"kernel_stack\":\(optional(thread.kernelStack)),\"cpu_ns\":\(optional(thread.cpuNs)),"
                    + "\"run_delay_ns\":\(optional(thread.runDelayNs)),\"pid\":\(optional(thread.pid)),"
                    + "\"user_stack\":\(optional(thread.userStack))}"
            }
            let processes = snapshot.processes.map { processJSON($0, capturedNs: snapshot.capturedNs) }
            return "{\"id\":\(snapshot.id),\"type\":\(JSONText.quote(snapshot.type)),"
                + "\"captured_at\":\(JSONText.quote(snapshot.capturedAt)),\"captured_ns\":\(snapshot.capturedNs),"
                + "\"pressure\":{\(pressure.joined(separator: ","))},\"top_cpu\":\(snapshot.topCPU ?? "null"),"
                + "\"top_io\":\(snapshot.topIO ?? "null"),\"threads\":[\(threads.joined(separator: ","))],"
                + "\"processes\":[\(processes.joined(separator: ","))]}"
        }
        let sampleItems = grouped(samples).map { group in
            let threads = group.rows.map { row in
                let thread = row.thread
                return "{\"tid\":\(thread.tid),\"name\":\(JSONText.quote(thread.name)),"
                    + "\"state\":\(JSONText.quote(String(thread.state))),\"cpu_ns\":\(thread.cpuNs),"
                    + "\"run_delay_ns\":\(thread.runDelayNs),\"minor_faults\":\(thread.minorFaults),"
                    + "\"major_faults\":\(thread.majorFaults),\"wchan\":\(optional(thread.wchan)),"
                    + "\"processor\":\(optional(thread.processor))}"
            }
            return "{\"timestamp\":\(JSONText.quote(group.rows[0].timestamp)),\"timestamp_ns\":\(group.ns),"
                + "\"threads\":[\(threads.joined(separator: ","))]}"
        }
        return "{\"stall\":\(json(stall)),\n\"snapshots\":[\(snapshotItems.joined(separator: ",\n"))],\n"
            + "\"samples\":[\(sampleItems.joined(separator: ",\n"))]}\n"
    }

    // MARK: Pieces

    static func json(_ stall: StallReader.Stall) -> String {
        "{\"id\":\(stall.id),\"kind\":\(JSONText.quote(stall.kind)),\"pid\":\(stall.pid),"
            + "\"process_name\":\(optional(stall.processName)),\"app_name\":\(optional(stall.appName)),"
            + "\"argv\":\(stall.argv.map(JSONText.array) ?? "null"),"
            + "\"started_at\":\(JSONText.quote(stall.startedAt)),\"started_ns\":\(stall.startedNs),"
            + "\"detected_at\":\(optional(stall.detectedAt)),\"detected_ns\":\(optional(stall.detectedNs)),"
            + "\"ended_at\":\(optional(stall.endedAt)),\"ended_ns\":\(optional(stall.endedNs)),"
            + "\"duration_ms\":\(optional(stall.durationMs)),\"thread_id\":\(optional(stall.threadID)),"
            + "\"trigger\":\(JSONText.quote(stall.trigger)),\"threshold\":\(optional(stall.threshold)),"
            + "\"entry_value\":\(optional(stall.entryValue)),\"peak_value\":\(optional(stall.peakValue)),"
            + "\"peak_at\":\(optional(stall.peakAt)),\"end_reason\":\(optional(stall.endReason)),"
            + "\"checkpoints\":\(optional(stall.checkpoints)),\"snapshots\":\(stall.snapshots),"
            + "\"session_id\":\(stall.sessionID)}"
    }

    static func optional(_ text: String?) -> String { text.map(JSONText.quote) ?? "null" }
    static func optional<T: Numeric & CustomStringConvertible>(_ value: T?) -> String {
        value.map(\.description) ?? "null"
    }
    static func optional(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return String(value)
    }

    /// What a stall kind's value counts.
    private static func unit(_ kind: String) -> String {
        switch kind {
        case "run_queue": "ms waited per s"
        case "log_silence": "s without a log line"
        case "timeout": "s (the deadline)"
        case _ where kind.hasSuffix("_pressure"): "% of the time"
        default: "thread(s)"
        }
    }

    private static func duration(_ stall: StallReader.Stall) -> String {
        guard let ms = stall.durationMs else { return stall.endedNs == nil ? "open" : "?" }
        return Format.decimal(ms / 1000) + " s"
    }

    private static func offset(_ ns: Int64, _ stall: StallReader.Stall) -> String {
        // Subtracted as Doubles: any two stamps from the database give a number, never a trap.
        let seconds = (Double(ns) - Double(stall.startedNs)) / 1e9
        let text = (seconds >= 0 ? "+" : "") + Format.decimal((seconds * 10).rounded() / 10) + " s"
        return text.padding(8)
    }

    private static func snapshotText(_ snapshot: StallReader.Snapshot, _ stall: StallReader.Stall) -> String {
        guard snapshot.processes.isEmpty else {
            return "  \(offset(snapshot.capturedNs, stall)) ── \(snapshot.type) snapshot: \(snapshot.processes.count) "
                + "process(es), \(snapshot.threads.count) thread(s)\n" + treeText(snapshot, indent: "             ")
                + pressureText(snapshot)
        }
        var out =
            "  \(offset(snapshot.capturedNs, stall)) ── \(snapshot.type) snapshot: \(snapshot.threads.count) thread(s)\n"
        for thread in snapshot.threads {
            out += "             \(thread.tid) \(thread.name) \(thread.state)"
            if let wchan = thread.wchan { out += " wchan=\(wchan)" }
            if let syscall = thread.syscall { out += " syscall=\(syscall.split(separator: " ").first ?? "")" }
            out += "\n"
            for frame in (thread.kernelStack ?? "").split(separator: "\n") { out += "               \(frame)\n" }
        }
        return out + pressureText(snapshot)
    }

    private static func pressureText(_ snapshot: StallReader.Snapshot) -> String {
        var out = ""
        for (resource, text) in snapshot.pressure {
            let some = text.split(separator: "\n").first ?? ""
            out += "             pressure \(resource): \(some)\n"
        }
        if let top = snapshot.topCPU { out += "             top cpu: \(top)\n" }
        if let top = snapshot.topIO { out += "             top io:  \(top)\n" }
        return out
    }

    private static func grouped(_ rows: [StallReader.SampleRow]) -> [(ns: Int64, rows: [StallReader.SampleRow])] {
        var groups: [(ns: Int64, rows: [StallReader.SampleRow])] = []
        for row in rows {
            if groups.last?.ns == row.timestampNs {
                groups[groups.count - 1].rows.append(row)
            } else {
                groups.append((row.timestampNs, [row]))
            }
        }
        return groups
    }

    /// One line per fine sample: thread states, and CPU, run-queue wait and faults since the
    /// previous sample. Runs of quiet, unchanged samples fold into one line.
    private static func sampleLines(_ rows: [StallReader.SampleRow], _ stall: StallReader.Stall)
        -> [(ns: Int64, text: String)]
    {
        var lines: [(ns: Int64, text: String)] = []
        var previous: [Int32: ThreadSample] = [:]
        var folded: (first: Int64, last: Int64, count: Int, summary: String)?
        func flushFolded() {
            guard let run = folded else { return }
            if run.count > 1 {
                lines.append(
                    (
                        run.first,
                        "  \(offset(run.first, stall)) \(run.summary)  (same for \(run.count) samples to \(offset(run.last, stall).trimmed))\n"
                    ))
            } else {
                lines.append((run.first, "  \(offset(run.first, stall)) \(run.summary)\n"))
            }
            folded = nil
        }
        for group in grouped(rows) {
            var states: [Character: Int] = [:]
            var cpu: UInt64 = 0
            var wait: UInt64 = 0
            var faults: UInt64 = 0
            var waits: [String] = []
            for row in group.rows {
                let thread = row.thread
                states[thread.state, default: 0] += 1
                if let before = previous[thread.tid] {
                    cpu += thread.cpuNs >= before.cpuNs ? thread.cpuNs - before.cpuNs : 0
                    wait += thread.runDelayNs >= before.runDelayNs ? thread.runDelayNs - before.runDelayNs : 0
                    let now = thread.minorFaults + thread.majorFaults
                    let then = before.minorFaults + before.majorFaults
                    faults += now >= then ? now - then : 0
                }
                if thread.state == "D" || thread.isStopped {
                    waits.append("\(thread.tid) \(thread.state) \(thread.wchan ?? "-")")
                }
                previous[thread.tid] = thread
            }
            let stateText = states.sorted { $0.key < $1.key }.map { "\($0.key)\($0.value)" }.joined(separator: " ")
            let summary =
                "sample  threads \(stateText)  cpu \(ms(cpu))  runq \(ms(wait))  faults \(faults)"
                + (waits.isEmpty ? "" : "  [\(waits.joined(separator: ", "))]")
            let quiet = cpu < 1_000_000 && wait < 1_000_000 && faults == 0
            if quiet, let run = folded, run.summary == summary {
                folded = (run.first, group.ns, run.count + 1, summary)
                continue
            }
            flushFolded()
            if quiet {
                folded = (group.ns, group.ns, 1, summary)
            } else {
                lines.append((group.ns, "  \(offset(group.ns, stall)) \(summary)\n"))
            }
        }
        flushFolded()
        return lines
    }

    private static func ms(_ ns: UInt64) -> String { Format.decimal(Double(ns) / 1e6) + " ms" }

    static func table(_ rows: [[String]]) -> String {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in index == row.count - 1 ? cell : cell.padding(widths[index]) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate var trimmed: String { String(self.prefix { $0 != " " }) }
}
