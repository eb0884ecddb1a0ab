/// Evaluates alert rules on the records of a session as they pass, and returns the alerts'
/// own records (`.alert`, `.alertCleared`). Pure logic: the records carry their times, so it
/// is tested with scripted records.
///
/// - A metric rule is checked at each sample: the group's reading (`.groupSample`) for `cpu`,
///   `rss`, `threads`, `processes`, each member's (`.metric`) for the `proc.` ones. It fires
///   at the first sample at which it has held for its `for` duration (at once without one),
///   and clears once it has not held for that long, and at least one interval (two samples in
///   a row): a value hovering at the threshold does not flap. A per-process alert also clears
///   when its process ends.
/// - `stall` fires with each stall row (of the kind, if one is named) and clears at its end.
/// - `restarts` counts `restarted` events (within its `in` window) and is checked at each
///   restart and each sample, with the same clearing as a metric.
/// - `exit` and `log` fire once per matching exit or line; they have nothing to clear.
public struct AlertEvaluator {
    public let rules: [AlertRule]
    /// The sample interval: the shortest time a rule must stop holding to clear.
    public let intervalNs: UInt64
    /// The `log ~` rules' patterns with their rule's index, in rule order.
    private let patternsInOrder: [(Int, Regex<AnyRegexOutput>)]
    /// Conditions by rule and subject (a pid for per-process rules and stalls' ids, else 0).
    private var conditions: [Key: ConditionState] = [:]
    /// When each `restarted` event was seen, oldest first.
    private var restartTimes: [Int64] = []
    private var restartsTotal = 0
    private var nextID = 1
    private var latest = WallTime(nanoseconds: 0)

    struct Key: Hashable {
        var rule: Int
        var subject: Int64
    }

    struct ConditionState {
        var trueSince: Int64?
        var falseSince: Int64?
        /// The alert's id while it fires.
        var firing: Int?
    }

    /// The rules must have come from `AlertRuleParser` (their patterns compile).
    public init(rules: [AlertRule], intervalNs: UInt64) {
        self.rules = rules
        self.intervalNs = intervalNs
        patternsInOrder = rules.enumerated().compactMap { index, rule in
            guard case .log(let pattern) = rule.condition, let regex = try? Regex(pattern) else { return nil }
            return (index, regex)
        }
    }

    /// Whether any rule reads the group's readings (then the session hands one over at every
    /// sample, also when it does not record group rows).
    public var needsGroupReadings: Bool {
        rules.contains {
            switch $0.condition {
            case .metric(let metric, _, _, _): !metric.isPerProcess
            case .restarts: true
            default: false
            }
        }
    }

    /// The alerts that `records` start or end, in order.
    public mutating func observe(_ records: [Record]) -> [Record] {
        var out: [Record] = []
        for record in records {
            switch record {
            case .groupSample(let group):
                advance(to: group.time)
                let values: [AlertMetric: Double] = [
                    .cpu: group.cpuPercentTotal, .rss: group.memoryMBTotal, .threads: Double(group.threadCount),
                    .processes: Double(group.processCount),
                ]
                for (index, rule) in rules.enumerated() {
                    if case .metric(let metric, _, _, _) = rule.condition, let value = values[metric] {
                        check(index, subject: 0, value: value, at: group.time, appName: group.appName, into: &out)
                    }
                }
                checkRestarts(at: group.time, appName: group.appName, into: &out)
            case .metric(let sample):
                advance(to: sample.time)
                let values: [AlertMetric: Double] = [
                    .processCPU: sample.cpuPercent, .processRSS: sample.memoryMB,
                    .processThreads: Double(sample.threadCount),
                ]
                for (index, rule) in rules.enumerated() {
                    if case .metric(let metric, _, _, _) = rule.condition, let value = values[metric] {
                        check(
                            index, subject: Int64(sample.pid), value: value, at: sample.time, appName: sample.appName,
                            pid: sample.pid, processName: sample.processName, into: &out)
                    }
                }
            case .event(let event):
                advance(to: event.time)
                observe(event, into: &out)
            case .log(let line):
                advance(to: line.time)
                // At most the first 4 KiB of a line: Swift Regex backtracks, and this runs on the loop.
                let text = line.line.utf8.count > 4_096 ? String(line.line.prefix(4_096)) : line.line
                for (index, pattern) in patternsInOrder where (try? pattern.firstMatch(in: text)) != nil {
                    out.append(
                        fire(
                            index, at: line.time, value: nil, appName: line.appName, pid: line.pid,
                            processName: line.processName, detail: line.line))
                }
            case .stall(let stall):
                for (index, rule) in rules.enumerated() {
                    guard case .stall(let kind) = rule.condition, kind == nil || kind == stall.kind else { continue }
                    let id = nextID
                    out.append(
                        fire(
                            index, at: stall.detected, value: stall.value, appName: stall.appName, pid: stall.pid,
                            processName: stall.processName, detail: "\(stall.kind.rawValue): \(stall.trigger)"))
                    conditions[Key(rule: index, subject: -1 - Int64(stall.id))] = ConditionState(firing: id)
                }
            case .stallEnd(let end):
                for index in rules.indices {
                    let key = Key(rule: index, subject: -1 - Int64(end.id))
                    guard let id = conditions.removeValue(forKey: key)?.firing else { continue }
                    out.append(
                        .alertCleared(
                            AlertClearRecord(
                                id: id, rule: rules[index].text, cleared: end.ended, value: end.peakValue,
                                reason: "stall ended (\(end.reason))")))
                }
            case .process(let process) where process.statusSource == "released":
                clearPerProcess(process.pid, at: process.ended ?? latest, reason: "left the group", into: &out)
            default:
                break
            }
        }
        return out
    }

    /// At the end of the session: every alert still firing clears ("watching stopped").
    public mutating func finish(at time: WallTime) -> [Record] {
        var out: [Record] = []
        for (key, state) in conditions.sorted(by: { ($0.value.firing ?? 0) < ($1.value.firing ?? 0) }) {
            guard let id = state.firing else { continue }
            out.append(
                .alertCleared(
                    AlertClearRecord(
                        id: id, rule: rules[key.rule].text, cleared: time, value: nil, reason: "watching stopped")))
        }
        conditions.removeAll()
        return out
    }

    /// A process is no longer a member (it ended, or left the watched cgroup): its per-process
    /// alerts clear, and its pid starts afresh if it comes back as another process.
    private mutating func clearPerProcess(_ pid: Int32, at time: WallTime, reason: String, into out: inout [Record]) {
        for (index, rule) in rules.enumerated() {
            guard case .metric(let metric, _, _, _) = rule.condition, metric.isPerProcess else { continue }
            guard let state = conditions.removeValue(forKey: Key(rule: index, subject: Int64(pid))),
                let id = state.firing
            else { continue }
            out.append(
                .alertCleared(AlertClearRecord(id: id, rule: rule.text, cleared: time, value: nil, reason: reason)))
        }
    }

    private mutating func advance(to time: WallTime) {
        if time > latest { latest = time }
    }

    private mutating func observe(_ event: ProcessEventRecord, into out: inout [Record]) {
        switch event.type {
        case .terminated:
            for (index, rule) in rules.enumerated() {
                switch rule.condition {
                case .exit(let comparison, let code):
                    guard let exitCode = event.exitCode, comparison.holds(Double(exitCode), Double(code)) else {
                        continue
                    }
                    let how = event.signal.map { "killed by signal \($0)" } ?? "exited with \(exitCode)"
                    out.append(
                        fire(
                            index, at: event.time, value: Double(exitCode), appName: event.appName, pid: event.pid,
                            processName: event.processName, detail: "process \(event.pid) (\(event.processName)) \(how)"
                        ))
                default:
                    break
                }
            }
            clearPerProcess(event.pid, at: event.time, reason: "process ended", into: &out)
        case .restarted:
            restartTimes.append(event.time.nanoseconds)
            restartsTotal += 1
            checkRestarts(at: event.time, appName: event.appName, into: &out)
        default:
            break
        }
    }

    private mutating func checkRestarts(at time: WallTime, appName: String, into out: inout [Record]) {
        for (index, rule) in rules.enumerated() {
            guard case .restarts(_, _, let within) = rule.condition else { continue }
            var count = restartsTotal
            if let within {
                let since = time.nanoseconds - Int64(clamping: within)
                count = restartTimes.filter { $0 > since }.count
            }
            check(index, subject: 0, value: Double(count), at: time, appName: appName, into: &out)
        }
        // Restarts older than the longest window are no longer needed.
        let longest = rules.compactMap { rule -> UInt64? in
            if case .restarts(_, _, let within?) = rule.condition { return within }
            return nil
        }.max()
        if let longest {
            let since = latest.nanoseconds - Int64(clamping: longest)
            restartTimes.removeAll { $0 <= since }
        }
    }

    /// One reading of a rule's condition: fires when it has held for its duration, clears when
    /// it has not held for its duration and at least one interval.
    private mutating func check(
        _ index: Int, subject: Int64, value: Double, at time: WallTime, appName: String, pid: Int32? = nil,
        processName: String? = nil, into out: inout [Record]
    ) {
        let rule = rules[index]
        let comparison: AlertComparison
        let threshold: Double
        var forNs: UInt64 = 0
        var metric: AlertMetric?
        switch rule.condition {
        case .metric(let m, let c, let t, let duration):
            (metric, comparison, threshold, forNs) = (m, c, t, duration)
        case .restarts(let c, let count, _):
            (comparison, threshold) = (c, Double(count))
        default:
            return
        }
        let key = Key(rule: index, subject: subject)
        var state = conditions[key] ?? ConditionState()
        let now = time.nanoseconds
        // A reading a little early still counts as a whole interval later (timer jitter).
        let slack = Int64(intervalNs / 4)
        if comparison.holds(value, threshold) {
            state.falseSince = nil
            let since = state.trueSince ?? now
            state.trueSince = since
            if state.firing == nil, now - since >= Int64(clamping: forNs) - (forNs > 0 ? slack : 0) {
                let shown = metric.map { "\($0.rawValue) \($0.describe(value))" } ?? "\(Int(value)) restarts"
                let record = fire(
                    index, at: time, value: value, appName: appName, pid: pid, processName: processName,
                    detail: "\(shown) \(comparison.rawValue) \(AlertNumber.text(threshold))"
                        + (forNs > 0 ? " for \(AlertNumber.text(Double(forNs) / 1e9))s" : ""))
                if case .alert(let alert) = record { state.firing = alert.id }
                out.append(record)
            }
        } else {
            state.trueSince = nil
            if let id = state.firing {
                let since = state.falseSince ?? now
                state.falseSince = since
                if now - since >= Int64(clamping: max(forNs, intervalNs)) - slack {
                    out.append(
                        .alertCleared(
                            AlertClearRecord(id: id, rule: rule.text, cleared: time, value: value, reason: "recovered"))
                    )
                    state = ConditionState()
                }
            }
        }
        if state.firing == nil && state.trueSince == nil {
            conditions[key] = nil
        } else {
            conditions[key] = state
        }
    }

    private mutating func fire(
        _ index: Int, at time: WallTime, value: Double?, appName: String, pid: Int32?, processName: String?,
        detail: String
    ) -> Record {
        defer { nextID += 1 }
        let rule = rules[index]
        return .alert(
            AlertRecord(
                id: nextID, rule: rule.text, ruleIndex: index, appName: appName, fired: time, value: value, pid: pid,
                processName: processName, detail: detail, isInstant: rule.isInstant))
    }
}
