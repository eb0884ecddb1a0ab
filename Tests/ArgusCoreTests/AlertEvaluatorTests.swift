import ArgusCore
import Testing

struct AlertEvaluatorTests {
    static let second: Int64 = 1_000_000_000

    func evaluator(_ rules: String..., intervalS: Int64 = 1) throws -> AlertEvaluator {
        AlertEvaluator(
            rules: try rules.map { try AlertRuleParser.parse($0) }, intervalNs: UInt64(intervalS * Self.second))
    }

    func group(at seconds: Double, cpu: Double = 0, rss: Double = 0, processes: Int = 1) -> Record {
        .groupSample(
            GroupSampleRecord(
                time: WallTime(nanoseconds: Int64(seconds * 1e9)), appName: "app", generation: 1,
                processCount: processes, cpuPercentTotal: cpu, cpuPercentAverage: cpu, memoryMBTotal: rss,
                memoryMBAverage: rss, threadCount: 1, processesStarted: 0, processesEnded: 0))
    }

    func metric(at seconds: Double, pid: Int32, cpu: Double) -> Record {
        .metric(
            MetricRecord(
                time: WallTime(nanoseconds: Int64(seconds * 1e9)), appName: "app", processName: "p\(pid)", pid: pid,
                cpuPercent: cpu, memoryMB: 1, threadCount: 1, startTicks: 1, vmsMB: 1, openFds: nil,
                voluntarySwitches: nil, involuntarySwitches: nil, minorFaults: 0, majorFaults: 0, readBytes: nil,
                writeBytes: nil, state: "R", cpuTimeNs: 0))
    }

    func event(_ type: ProcessEventType, at seconds: Double, pid: Int32 = 7, exitCode: Int? = nil) -> Record {
        .event(
            ProcessEventRecord(
                time: WallTime(nanoseconds: Int64(seconds * 1e9)), appName: "app", processName: "p\(pid)", pid: pid,
                type: type, exitCode: exitCode))
    }

    /// What each reading produced: "fire 1", "clear 1", or "" for nothing.
    func script(_ evaluator: inout AlertEvaluator, _ records: [Record]) -> [String] {
        records.map { record in
            evaluator.observe([record]).map {
                switch $0 {
                case .alert(let alert): "fire \(alert.id)"
                case .alertCleared(let clear): "clear \(clear.id) \(clear.reason)"
                default: "?"
                }
            }.joined(separator: ", ")
        }
    }

    @Test func aThresholdFiresOnceWhileItHoldsAndClearsAfterAFullIntervalBelow() throws {
        var alerts = try evaluator("cpu > 80")
        let cpus: [Double] = [10, 90, 95, 99, 50, 85, 40, 30, 20, 90]
        let out = script(&alerts, cpus.enumerated().map { group(at: Double($0.offset), cpu: $0.element) })
        // 50 then 85: one sample below is not enough to clear (no flapping); 40 and 30 are.
        #expect(out == ["", "fire 1", "", "", "", "", "", "clear 1 recovered", "", "fire 2"])
    }

    @Test func aDurationMustHoldThroughBeforeFiringAndBeFalseAsLongToClear() throws {
        var alerts = try evaluator("cpu > 80 for 3s")
        let cpus: [Double] = [90, 90, 10, 90, 90, 90, 90, 10, 90, 10, 10, 10, 10]
        let out = script(&alerts, cpus.enumerated().map { group(at: Double($0.offset), cpu: $0.element) })
        #expect(out == ["", "", "", "", "", "", "fire 1", "", "", "", "", "", "clear 1 recovered"])
    }

    @Test func samplesALittleEarlyStillCountAsTheWholeInterval() throws {
        var alerts = try evaluator("cpu > 80 for 2s")
        let out = script(&alerts, [group(at: 0, cpu: 90), group(at: 0.99, cpu: 90), group(at: 1.98, cpu: 90)])
        #expect(out == ["", "", "fire 1"])
    }

    @Test func perProcessRulesFireAndClearForEachProcessAndClearWhenItEnds() throws {
        var alerts = try evaluator("proc.cpu > 50")
        let out = script(
            &alerts,
            [
                metric(at: 1, pid: 10, cpu: 90), metric(at: 1, pid: 11, cpu: 90), metric(at: 1, pid: 12, cpu: 5),
                event(.terminated, at: 1.5, pid: 10, exitCode: 0),
                metric(at: 2, pid: 11, cpu: 90), metric(at: 3, pid: 11, cpu: 1), metric(at: 4, pid: 11, cpu: 1),
            ])
        #expect(out == ["fire 1", "fire 2", "", "clear 1 process ended", "", "", "clear 2 recovered"])
    }

    @Test func groupRulesIgnoreProcessSamplesAndTheOtherWayRound() throws {
        var alerts = try evaluator("cpu > 50", "proc.cpu > 500")
        #expect(script(&alerts, [metric(at: 1, pid: 3, cpu: 90), group(at: 1, cpu: 200)]) == ["", "fire 1"])
    }

    @Test func processesBelowAMinimum() throws {
        var alerts = try evaluator("processes < 2 for 2s")
        let counts = [3, 1, 1, 1, 2, 2, 2]
        let out = script(&alerts, counts.enumerated().map { group(at: Double($0.offset), processes: $0.element) })
        #expect(out == ["", "", "", "fire 1", "", "", "clear 1 recovered"])
    }

    @Test func memoryComparesMB() throws {
        var alerts = try evaluator("rss > 1GiB")
        #expect(script(&alerts, [group(at: 0, rss: 1000), group(at: 1, rss: 1100)]) == ["", "fire 1"])
    }

    @Test func everyMatchingExitFiresAndNothingClears() throws {
        var alerts = try evaluator("exit != 0")
        let out = script(
            &alerts,
            [
                event(.terminated, at: 1, pid: 1, exitCode: 0), event(.terminated, at: 2, pid: 2, exitCode: 3),
                event(.terminated, at: 3, pid: 3, exitCode: 137), event(.terminated, at: 4, pid: 4, exitCode: nil),
                event(.exec, at: 5, pid: 5),
            ])
        #expect(out == ["", "fire 1", "fire 2", "", ""])
        #expect(alerts.finish(at: WallTime(nanoseconds: 9)).isEmpty)
    }

    @Test func anExitAlertCarriesTheCodeAndTheProcess() throws {
        var alerts = try evaluator("exit == 3")
        let out = alerts.observe([event(.terminated, at: 2, pid: 42, exitCode: 3)])
        guard case .alert(let alert) = out.first else {
            Issue.record("no alert")
            return
        }
        #expect(alert.value == 3 && alert.pid == 42 && alert.processName == "p42" && alert.isInstant)
        #expect(alert.rule == "exit == 3")
    }

    @Test func logLinesMatchingThePatternFireEachTime() throws {
        var alerts = try evaluator("log ~ ERR(OR)? [0-9]+")
        func line(_ text: String) -> Record {
            .log(
                LogRecord(
                    time: WallTime(nanoseconds: 1), appName: "a", processName: "p", pid: 1, line: text, path: "/l"))
        }
        let out = script(&alerts, [line("ok"), line("ERROR 42 disk"), line("ERR x"), line("x ERR 7")])
        #expect(out == ["", "fire 1", "", "fire 2"])
    }

    @Test func aStallFiresWithItsRowAndClearsAtItsEnd() throws {
        var alerts = try evaluator("stall", "stall stopped")
        let stall = StallRecord(
            id: 4, kind: .uninterruptible, pid: 9, startTicks: 1, appName: "a", processName: "p",
            started: WallTime(nanoseconds: 1), detected: WallTime(nanoseconds: 2), tid: 9, trigger: "D 1s",
            threshold: 1, value: 1.2, windowNs: 0)
        let end = StallEndRecord(
            id: 4, ended: WallTime(nanoseconds: 5), durationNs: 4, reason: "recovered", peakValue: 2,
            peakAt: WallTime(nanoseconds: 3), checkpoints: 0)
        #expect(script(&alerts, [.stall(stall), .stallEnd(end)]) == ["fire 1", "clear 1 stall ended (recovered)"])
    }

    @Test func restartsWithinAWindowFireAndClearWhenTheyAgeOut() throws {
        var alerts = try evaluator("restarts > 2 in 10s")
        let out = script(
            &alerts,
            [
                event(.restarted, at: 1), event(.restarted, at: 2), event(.restarted, at: 3), group(at: 5),
                group(at: 11.5), group(at: 12.5), group(at: 13.5),
            ])
        // Three in [3-10, 3]: fires; at 11.5 only two are within 10 s; at 12.5 still not: clears.
        #expect(out == ["", "", "fire 1", "", "", "clear 1 recovered", ""])
    }

    @Test func whatStillFiresAtTheEndClearsAsWatchingStopped() throws {
        var alerts = try evaluator("cpu > 1", "proc.cpu > 1")
        _ = alerts.observe([group(at: 1, cpu: 5), metric(at: 1, pid: 3, cpu: 5)])
        let cleared = alerts.finish(at: WallTime(nanoseconds: 7)).compactMap { record -> String? in
            if case .alertCleared(let clear) = record { return "\(clear.id) \(clear.reason)" }
            return nil
        }
        #expect(cleared == ["1 watching stopped", "2 watching stopped"])
    }
}
