/// Decides, one fine sample at a time, when the watched process is stalled and how. Pure logic:
/// it is given samples and answers with what began, what to capture and what ended.
public struct StallDetector: Sendable {
    /// What crossed a threshold, at one sample.
    public struct Condition: Sendable, Equatable {
        public var kind: StallKind
        /// The measure compared with the threshold's scale, also used for peaks: threads
        /// stalled, ms waited per s, percent, or seconds of log silence.
        public var value: Double
        public var threshold: Double
        /// The thread concerned, for per-thread kinds.
        public var tid: Int32?
        /// When the condition began: the first sample that showed the thread so (for the
        /// per-thread kinds), or the sample that crossed the threshold (for rates and silence).
        public var sinceNs: UInt64
        /// One line: what crossed which threshold.
        public var detail: String
    }

    public struct Began: Sendable, Equatable {
        public var id: Int
        /// When the condition began (`condition.sinceNs`).
        public var monotonicNs: UInt64
        /// When it crossed the threshold (the sample that declared the stall).
        public var detectedNs: UInt64
        public var condition: Condition
    }

    public struct Ended: Sendable, Equatable {
        public var id: Int
        public var kind: StallKind
        /// When the condition was first seen clear (or the process ended / watching stopped).
        public var monotonicNs: UInt64
        public var reason: String
        public var peakValue: Double
        public var peakMonotonicNs: UInt64
        public var checkpoints: Int
    }

    public enum Output: Sendable, Equatable {
        case began(Began)
        case capture(id: Int, kind: StallKind, type: StallSnapshotType)
        case ended(Ended)
    }

    private struct Active: Sendable {
        var id: Int
        var startNs: UInt64
        var peakValue: Double
        var peakNs: UInt64
        var capturedPeak: Double
        var lastCaptureNs: UInt64
        var lastCheckpointNs: UInt64
        var checkpoints = 0
        var clearSinceNs: UInt64?
    }

    public let thresholds: StallThresholds
    private var uninterruptibleSince: [Int32: UInt64] = [:]
    private var stoppedSince: [Int32: UInt64] = [:]
    private var runnableSince: [Int32: (ns: UInt64, cpuNs: UInt64)] = [:]
    private var active: [StallKind: Active] = [:]
    private var nextID = 1

    public init(thresholds: StallThresholds) { self.thresholds = thresholds }

    public var activeKinds: [StallKind] { active.keys.sorted() }

    /// Takes the newest sample, with the newest earlier one at least a window older (for rates;
    /// nil early on) and when the logs last had a line (nil when no log is followed).
    public mutating func observe(_ sample: FineSample, windowStart: FineSample?, lastLogLineNs: UInt64? = nil)
        -> [Output]
    {
        let now = sample.monotonicNs
        var conditions: [StallKind: Condition] = [:]
        for condition in threadConditions(sample) + rateConditions(sample, windowStart)
            + silenceCondition(now, lastLogLineNs)
        {
            conditions[condition.kind] = condition
        }

        var outputs: [Output] = []
        for kind in StallKind.allCases {
            if let condition = conditions[kind] {
                outputs += carry(condition, now: now)
            } else if var stall = active[kind] {
                let clearSince = stall.clearSinceNs ?? now
                if now - clearSince >= thresholds.clearNs {
                    outputs.append(.ended(end(kind, stall, at: clearSince, reason: "recovered")))
                    active[kind] = nil
                } else {
                    stall.clearSinceNs = clearSince
                    active[kind] = stall
                }
            }
        }
        return outputs
    }

    /// Ends every open stall: the process ended, or watching stopped.
    public mutating func finish(monotonicNs: UInt64, reason: String) -> [Output] {
        let outputs = active.sorted { $0.key < $1.key }.map { kind, stall in
            Output.ended(end(kind, stall, at: stall.clearSinceNs ?? monotonicNs, reason: reason))
        }
        active = [:]
        return outputs
    }

    private mutating func carry(_ condition: Condition, now: UInt64) -> [Output] {
        guard var stall = active[condition.kind] else {
            let id = nextID
            nextID += 1
            let start = min(condition.sinceNs, now)
            active[condition.kind] = Active(
                id: id, startNs: start, peakValue: condition.value, peakNs: now, capturedPeak: condition.value,
                lastCaptureNs: now, lastCheckpointNs: now)
            return [
                .began(Began(id: id, monotonicNs: start, detectedNs: now, condition: condition)),
                .capture(id: id, kind: condition.kind, type: .entry),
            ]
        }
        var outputs: [Output] = []
        stall.clearSinceNs = nil
        if condition.value > stall.peakValue {
            stall.peakValue = condition.value
            stall.peakNs = now
        }
        if condition.kind != .logSilence, condition.value >= stall.capturedPeak * thresholds.peakGrowth,
            now - stall.lastCaptureNs >= 1_000_000_000
        {
            stall.capturedPeak = condition.value
            stall.lastCaptureNs = now
            outputs.append(.capture(id: stall.id, kind: condition.kind, type: .peak))
        }
        if now - stall.lastCheckpointNs >= thresholds.checkpointNs && stall.checkpoints < thresholds.maxCheckpoints {
            stall.lastCheckpointNs = now
            stall.lastCaptureNs = now
            stall.checkpoints += 1
            outputs.append(.capture(id: stall.id, kind: condition.kind, type: .checkpoint))
        }
        active[condition.kind] = stall
        return outputs
    }

    private func end(_ kind: StallKind, _ stall: Active, at ns: UInt64, reason: String) -> Ended {
        Ended(
            id: stall.id, kind: kind, monotonicNs: max(ns, stall.startNs), reason: reason, peakValue: stall.peakValue,
            peakMonotonicNs: stall.peakNs, checkpoints: stall.checkpoints)
    }

    // MARK: Conditions

    /// D state, stopped and starved: how long each thread has been so, from the first sample
    /// that showed it.
    private mutating func threadConditions(_ sample: FineSample) -> [Condition] {
        let now = sample.monotonicNs
        // Threads that are gone drop out in place: no new dictionaries on every tick.
        if uninterruptibleSince.count + stoppedSince.count + runnableSince.count > 0 {
            let live = Set(sample.threads.map(\.tid))
            for tid in uninterruptibleSince.keys where !live.contains(tid) { uninterruptibleSince[tid] = nil }
            for tid in stoppedSince.keys where !live.contains(tid) { stoppedSince[tid] = nil }
            for tid in runnableSince.keys where !live.contains(tid) { runnableSince[tid] = nil }
        }
        for thread in sample.threads {
            uninterruptibleSince[thread.tid] = thread.isUninterruptible ? uninterruptibleSince[thread.tid] ?? now : nil
            stoppedSince[thread.tid] = thread.isStopped ? stoppedSince[thread.tid] ?? now : nil
            if thread.isRunnable, let since = runnableSince[thread.tid], since.cpuNs == thread.cpuNs {
                continue
            }
            runnableSince[thread.tid] = thread.isRunnable ? (now, thread.cpuNs) : nil
        }

        var conditions: [Condition] = []
        // An open stall goes on while any thread is in its state at all: a thread that leaves
        // the state and re-enters it at once does not start the threshold over.
        func limit(_ kind: StallKind, _ threshold: UInt64?) -> UInt64? {
            guard let threshold else { return nil }
            return active[kind] == nil ? threshold : 0
        }
        if let limit = limit(.uninterruptible, thresholds.uninterruptibleNs),
            let condition = longest(
                uninterruptibleSince, sample, limit: limit, kind: .uninterruptible, what: "in D state (uninterruptible)"
            )
        {
            conditions.append(condition)
        }
        if let limit = limit(.stopped, thresholds.stoppedNs),
            let condition = longest(stoppedSince, sample, limit: limit, kind: .stopped, what: "stopped")
        {
            conditions.append(condition)
        }
        if let limit = limit(.starved, thresholds.starvedNs),
            let condition = longest(
                runnableSince.mapValues(\.ns), sample, limit: limit, kind: .starved,
                what: "runnable without any CPU time")
        {
            conditions.append(condition)
        }
        return conditions
    }

    private func longest(_ since: [Int32: UInt64], _ sample: FineSample, limit: UInt64, kind: StallKind, what: String)
        -> Condition?
    {
        let now = sample.monotonicNs
        let over = since.filter { now - $0.value >= limit }
        guard let (tid, start) = over.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) else { return nil }
        let thread = sample.thread(tid)
        let others = over.count > 1 ? "; \(over.count) threads so" : ""
        let wchan = thread?.wchan.map { " in \($0)" } ?? ""
        return Condition(
            kind: kind, value: Double(over.count), threshold: Double(limit) / 1e9, tid: tid, sinceNs: start,
            detail: "thread \(tid) (\(thread?.name ?? "?")) \(what) for \(Self.seconds(now - start)) s\(wchan) "
                + "(threshold \(Self.seconds(limit)) s)\(others)")
    }

    /// Run-queue waits and pressure, measured between the window's first sample and this one.
    private func rateConditions(_ sample: FineSample, _ start: FineSample?) -> [Condition] {
        guard let start, sample.monotonicNs > start.monotonicNs else { return [] }
        let spanNs = Double(sample.monotonicNs - start.monotonicNs)
        var conditions: [Condition] = []
        if let limit = thresholds.runQueueMsPerSecond {
            let waits = sample.threads.compactMap { thread -> (ThreadSample, Double)? in
                guard let before = start.thread(thread.tid), thread.runDelayNs >= before.runDelayNs else { return nil }
                return (thread, Double(thread.runDelayNs - before.runDelayNs) / spanNs * 1000)
            }
            if let (thread, msPerSecond) = waits.max(by: { $0.1 < $1.1 }), msPerSecond >= limit {
                conditions.append(
                    Condition(
                        kind: .runQueue, value: msPerSecond, threshold: limit, tid: thread.tid,
                        sinceNs: sample.monotonicNs,
                        detail:
                            "thread \(thread.tid) (\(thread.name)) waited for a CPU \(Self.decimal(msPerSecond)) ms "
                            + "per second over the last \(Self.seconds(UInt64(spanNs))) s (threshold \(Self.decimal(limit)) ms)"
                    ))
            }
        }
        if let limit = thresholds.pressurePercent {
            for resource in PressureResource.allCases {
                guard let now = sample.pressure[resource], let then = start.pressure[resource], now >= then else {
                    continue
                }
                let percent = Double(now - then) * 1000 / spanNs * 100
                if percent >= limit {
                    conditions.append(
                        Condition(
                            kind: .pressure(resource), value: percent, threshold: limit, tid: nil,
                            sinceNs: sample.monotonicNs,
                            detail: "\(resource.rawValue) pressure: some task waited for \(resource.rawValue) "
                                + "\(Self.decimal(percent)) % of the last \(Self.seconds(UInt64(spanNs))) s "
                                + "(threshold \(Self.decimal(limit)) %)"))
                }
            }
        }
        return conditions
    }

    private func silenceCondition(_ now: UInt64, _ lastLogLineNs: UInt64?) -> [Condition] {
        guard let limit = thresholds.logSilenceNs, let last = lastLogLineNs, now >= last, now - last >= limit else {
            return []
        }
        return [
            Condition(
                kind: .logSilence, value: Double(now - last) / 1e9, threshold: Double(limit) / 1e9, tid: nil,
                sinceNs: last,
                detail: "no log line for \(Self.seconds(now - last)) s (threshold \(Self.seconds(limit)) s)")
        ]
    }

    static func seconds(_ ns: UInt64) -> String { decimal(Double(ns) / 1e9) }

    /// One decimal place, without Foundation.
    static func decimal(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }
}
