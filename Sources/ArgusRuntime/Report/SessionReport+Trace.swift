import ArgusCore
import ArgusStore

/// `report --trace FILE`: Chrome trace-event JSON (`{"traceEvents":[...]}`) for ui.perfetto.dev
/// and chrome://tracing. Each process is a trace process with one complete ("X") slice from
/// its start to its end (or the session's end), `process_name` and `process_sort_index` in
/// tree order, "C" counters of its CPU % and RSS (thinned keeping peaks past 10,000 samples),
/// stalls as async slices on it, and log lines as global instant events. Times are
/// microseconds from the session's start.
extension SessionReport {
    /// The trace's own process for log lines and stalls of no known process.
    static let sessionTracePid = 0
    /// A process's counters beyond twice this many samples keep the lowest and highest of each
    /// of this many spans of the session (a day at 1 s is 86,400 samples a process).
    static let counterBuckets = 5_000

    public func trace() -> String {
        let ids = tracePids()
        var events: [String] = [
            Self.metadata("process_name", pid: Self.sessionTracePid, "name", JSONText.quote("session \(session.id)")),
            Self.metadata("process_sort_index", pid: Self.sessionTracePid, "sort_index", "-1"),
        ]
        for (order, entry) in tree.enumerated() {
            let process = processes[entry.index]
            let id = ids[entry.index]
            events.append(Self.metadata("process_name", pid: id, "name", JSONText.quote(process.label)))
            events.append(Self.metadata("process_sort_index", pid: id, "sort_index", String(order)))
            events.append(slice(process, pid: id))
        }
        let owners = ProcessOwners(processes)
        var samples: [Int: [SessionRecording.Metric]] = [:]
        for metric in recording.metrics {
            let id = owners.index(of: metric.pid, at: metric.timeNs).map { ids[$0] } ?? Self.sessionTracePid
            samples[id, default: []].append(metric)
        }
        let counters: [(name: String, key: String, value: (SessionRecording.Metric) -> Double)] = [
            ("CPU %", "cpu_percent", \.cpuPercent), ("RSS MB", "rss_mb", \.memoryMB),
        ]
        for (id, metrics) in samples.sorted(by: { $0.key < $1.key }) {
            for counter in counters {
                let series = ChartSeries(name: counter.name, points: metrics.map { ($0.timeNs, counter.value($0)) })
                    .thinned(from: startNs, to: endNs, buckets: Self.counterBuckets)
                for point in series.points {
                    events.append(
                        "{\"ph\":\"C\",\"name\":\"\(counter.name)\",\"pid\":\(id),\"tid\":\(id),"
                            + "\"ts\":\(Self.number(micros(point.ns))),\"args\":{\"\(counter.key)\":\(Self.number(point.value))}}"
                    )
                }
            }
        }
        for stall in recording.stalls {
            let owner = owners.index(of: Int32(clamping: stall.pid), at: stall.startedNs)
            let id = owner.map { ids[$0] } ?? Self.sessionTracePid
            let common =
                "\"cat\":\"stall\",\"name\":\(JSONText.quote("stall: " + stall.kind)),\"id\":\(stall.id),\"pid\":\(id),\"tid\":\(id)"
            events.append(
                "{\"ph\":\"b\",\(common),\"ts\":\(Self.number(micros(stall.startedNs))),"
                    + "\"args\":{\"trigger\":\(JSONText.quote(stall.trigger)),\"stall_id\":\(stall.id),"
                    + "\"end_reason\":\(StallReport.optional(stall.endReason))}}")
            events.append("{\"ph\":\"e\",\(common),\"ts\":\(Self.number(micros(stall.endedNs ?? endNs)))}")
        }
        for line in recording.logLines {
            let text = line.line.count > 200 ? String(line.line.prefix(197)) + "..." : line.line
            events.append(
                "{\"ph\":\"i\",\"s\":\"g\",\"cat\":\"log\",\"name\":\(JSONText.quote(text)),"
                    + "\"pid\":\(Self.sessionTracePid),\"tid\":\(Self.sessionTracePid),"
                    + "\"ts\":\(Self.number(micros(line.timeNs))),\"args\":{\"path\":\(StallReport.optional(line.path))}}"
            )
        }
        return "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n" + events.joined(separator: ",\n") + "\n]}\n"
    }

    /// The complete slice of one process, with how it ended.
    private func slice(_ process: RunProcess, pid: Int) -> String {
        let start = process.started.nanoseconds
        let end = max(process.ended?.nanoseconds ?? endNs, start)
        let args = [
            "\"pid\":\(process.pid)", "\"ppid\":\(process.parentPid)",
            "\"exit_code\":\(StallReport.optional(process.status?.shellCode))",
            "\"signal\":\(StallReport.optional(process.status?.signal))",
            "\"argv\":\(process.argv.map(JSONText.array) ?? "null")", "\"outcome\":\(JSONText.quote(process.outcome))",
            "\"status_source\":\(StallReport.optional(process.statusSource))",
        ]
        return "{\"ph\":\"X\",\"cat\":\"process\",\"name\":\(JSONText.quote(process.commandText)),\"pid\":\(pid),"
            + "\"tid\":\(pid),\"ts\":\(Self.number(micros(start))),"
            + "\"dur\":\(Self.number((Double(end) - Double(start)) / 1e3)),\"args\":{\(args.joined(separator: ","))}}"
    }

    /// A trace pid for each process: its own pid, or, when the pid was used again during the
    /// session, a number above every real pid (4194304 is the kernel's limit) for each reuse.
    func tracePids() -> [Int] {
        var seen: [Int32: Int] = [:]
        return processes.map { process in
            let uses = seen[process.pid, default: 0]
            seen[process.pid] = uses + 1
            return uses == 0 ? Int(process.pid) : Int(process.pid) + uses * 4_194_304
        }
    }

    private static func metadata(_ name: String, pid: Int, _ key: String, _ value: String) -> String {
        "{\"ph\":\"M\",\"name\":\"\(name)\",\"pid\":\(pid),\"tid\":\(pid),\"args\":{\"\(key)\":\(value)}}"
    }

    /// A JSON number with at most three decimals (nanoseconds, in microseconds).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() && abs(rounded) < 9e15 ? String(Int64(rounded)) : String(rounded)
    }
}
