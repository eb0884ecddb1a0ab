import ArgusCore
import ArgusKernel
import ArgusStore

/// One recorded session as `argus-trace report` shows it, built from its rows: the processes
/// in tree order, the exit summary of a `run` or a watch, and the session's facts. The text,
/// JSON, trace and HTML forms are extensions of it.
public struct SessionReport {
    public let recording: SessionRecording
    /// Every process: its `processes` row, or, for one that has none (yet), what its samples
    /// and end say. In the order they started.
    let processes: [RunProcess]
    /// `processes` in tree order (parents first, siblings by start), with each one's depth.
    let tree: [(index: Int, depth: Int)]

    public init(_ recording: SessionRecording) {
        self.recording = recording
        processes = Self.processes(recording)
        tree = Self.treeOrder(processes)
    }

    var session: RecordedSession { recording.session }
    var startNs: Int64 { session.startedNs }
    var endNs: Int64 { session.endNs }

    var isRun: Bool { session.mode == "run" }

    /// "exit 0", "killed by SIGKILL", "still recording", or why it ended.
    var statusText: String {
        guard session.endedNs != nil else { return "still recording (or its recorder was killed)" }
        let reason = session.endReason ?? "ended"
        guard let status = session.targetStatus else { return reason }
        return "\(reason): \(RunReport.outcome(of: status))"
    }

    /// What was lost, or nil when nothing was.
    var lossText: String? {
        var parts: [String] = []
        if let overflows = session.eventOverflows, overflows > 0 {
            parts.append("\(overflows) proc connector overflow(s)")
        }
        if let lost = session.bpfEventsLost, lost > 0 { parts.append("\(lost) BPF event(s)") }
        if let unsaved = session.rowsUnsaved, unsaved > 0 { parts.append("\(unsaved) row(s) not saved") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// The exit summary `run` printed, rebuilt from the `processes` rows through the same ledger
    /// and report; nil for a watch.
    var runReport: RunReport? {
        guard isRun else { return nil }
        let rows = recording.processes
        let root = rows.first { Int64($0.pid) == session.targetPid } ?? rows.first
        var ledger = RunLedger()
        for row in rows {
            let process = RunProcess(row, isFork: row.execs == 0 && row != root)
            ledger.record(process, startedNs: UInt64(bitPattern: row.started.nanoseconds))
        }
        let listed = ledger.listed.sorted { $0.started.nanoseconds < $1.started.nanoseconds }
        let command =
            session.arguments.firstIndex(of: "--").map { Array(session.arguments[($0 + 1)...]) }
            ?? root?.argv ?? []
        var report = RunReport(
            command: command, processes: listed,
            rootIndex: listed.firstIndex { $0.pid == root?.pid && $0.started == root?.started },
            started: WallTime(nanoseconds: startNs), ended: WallTime(nanoseconds: endNs),
            overflows: Int(clamping: session.eventOverflows ?? 0))
        report.notListedSucceeded = ledger.notListedSucceeded
        report.notListedFailed = ledger.notListedFailed
        report.longest = ledger.longest
        report.timeout = timeout
        return report
    }

    /// What `run --timeout` captured at its deadline, from the timeout stall and its snapshot.
    var timeout: RunTimeout? {
        guard let stall = recording.stalls.first(where: { $0.kind == "timeout" }),
            let snapshot = recording.timeoutCapture
        else { return nil }
        // Each process says why it has no user stacks; when all say the same (eu-stack missing),
        // that is what the capture said once.
        let reasons = Set(snapshot.processes.map { $0.stackError })
        let unavailable = reasons.count == 1 ? reasons.first! : nil
        let seconds = stall.threshold ?? 0
        return RunTimeout(
            afterNs: seconds > 0 && seconds < 1e9 ? UInt64((seconds * 1e9).rounded()) : 0,
            capture: TreeCaptureResult(
                time: WallTime(nanoseconds: SessionReader.stamp(snapshot.capturedNs)),
                processes: snapshot.processes.map { process in
                    var process = process
                    process.started = process.started.map { WallTime(nanoseconds: SessionReader.stamp($0.nanoseconds)) }
                    return process
                },
                threads: snapshot.threads,
                userStacksUnavailable: unavailable == TreeCapture.budgetSpent ? nil : unavailable,
                budgetNs: RunDeadline.captureBudgetNs, elapsedNs: 0))
    }

    /// The counts a watch printed at its end; nil for a run.
    var watchSummary: WatchSummary? {
        guard !isRun else { return nil }
        let arguments = Set(session.arguments)
        let isGroup = !arguments.isDisjoint(with: ["--follow-children", "--cgroup", "--unit"])
        return WatchSummary(
            seconds: Double(session.durationNs) / 1e9, samples: Int(clamping: session.counts.samples),
            logLines: Int(clamping: session.counts.logLines),
            processesSeen: isGroup ? max(processes.count, Int(clamping: session.counts.processes)) : nil,
            restarts: arguments.contains("--follow-restarts") ? Int(clamping: session.restarts ?? 0) : nil,
            stalls: arguments.contains("--no-stalls") ? nil : Int(clamping: session.counts.stalls))
    }

    /// Microseconds from the session's start, for the trace and the page.
    func micros(_ ns: Int64) -> Double { (Double(ns) - Double(startNs)) / 1e3 }

    // MARK: Building

    private static func processes(_ recording: SessionRecording) -> [RunProcess] {
        let isRun = recording.session.mode == "run"
        let target = recording.session.targetPid
        var list = recording.processes.map { row in
            RunProcess(row, isFork: isRun && row.execs == 0 && Int64(row.pid) != target)
        }
        // A member still running when the rows were read has no row yet: its samples and its
        // end (if recorded) stand for it.
        let covered = Set(list.map(\.pid))
        var extra: [Int32: RunProcess] = [:]
        func placeholder(_ pid: Int32, _ name: String, _ ns: Int64) -> RunProcess {
            RunProcess(
                pid: pid, parentPid: 0, comm: name, exe: nil, argv: nil, started: WallTime(nanoseconds: ns),
                ended: nil, status: nil, statusSource: nil, execs: 0)
        }
        for metric in recording.metrics where metric.pid > 0 && !covered.contains(metric.pid) {
            if extra[metric.pid] == nil {
                extra[metric.pid] = placeholder(metric.pid, metric.processName, metric.timeNs)
            }
        }
        for event in recording.events
        where event.type == "terminated" && event.pid > 0 && !covered.contains(event.pid) {
            var process = extra[event.pid] ?? placeholder(event.pid, event.processName, event.timeNs)
            process.ended = WallTime(nanoseconds: event.timeNs)
            process.status = SessionReader.status(code: event.exitCode, signal: event.signal, core: nil)
            process.parentPid = event.parentPid ?? process.parentPid
            extra[event.pid] = process
        }
        list += extra.values
        return list.enumerated().sorted { ($0.element.started, $0.offset) < ($1.element.started, $1.offset) }
            .map(\.element)
    }

    /// Depth-first from each process whose parent is not in the list, without recursion (a
    /// chain of 10,000 processes is 10,000 deep).
    private static func treeOrder(_ processes: [RunProcess]) -> [(index: Int, depth: Int)] {
        let children = RunReport.children(of: processes)
        let isChild = Set(children.values.joined())
        var order: [(index: Int, depth: Int)] = []
        var stack: [(index: Int, depth: Int)] = processes.indices.filter { !isChild.contains($0) }.reversed()
            .map { ($0, 0) }
        while let next = stack.popLast() {
            order.append(next)
            for child in (children[next.index] ?? []).reversed() { stack.append((child, next.depth + 1)) }
        }
        return order
    }
}
