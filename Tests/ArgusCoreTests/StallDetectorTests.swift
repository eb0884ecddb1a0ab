import ArgusCore
import Testing

@Suite struct StallDetectorTests {
    private let second: UInt64 = 1_000_000_000

    private func sample(_ at: Double, _ threads: [ThreadSample], pressure: PressureTotals = PressureTotals())
        -> FineSample
    {
        let ns = UInt64(at * 1e9)
        return FineSample(monotonicNs: ns, time: WallTime(nanoseconds: Int64(ns)), threads: threads, pressure: pressure)
    }

    private func thread(_ state: Character) -> ThreadSample { thread(10, state) }

    private func thread(_ tid: Int32, _ state: Character, cpu: UInt64 = 0, wait: UInt64 = 0) -> ThreadSample {
        ThreadSample(
            tid: tid, name: "worker", state: state, cpuNs: cpu, runDelayNs: wait,
            wchan: state == "D" ? "io_schedule" : nil)
    }

    /// Feeds samples every 0.2 s, passing the window start as the monitor does.
    private func run(_ detector: inout StallDetector, _ samples: [FineSample]) -> [StallDetector.Output] {
        var ring = SampleRing<FineSample>(capacity: 200)
        var outputs: [StallDetector.Output] = []
        for current in samples {
            let start = ring.lastMatching { current.monotonicNs - $0.monotonicNs >= detector.thresholds.windowNs }
            ring.append(current)
            outputs += detector.observe(current, windowStart: start)
        }
        return outputs
    }

    private func began(_ outputs: [StallDetector.Output]) -> [StallDetector.Began] {
        outputs.compactMap { if case .began(let began) = $0 { began } else { nil } }
    }

    private func ended(_ outputs: [StallDetector.Output]) -> [StallDetector.Ended] {
        outputs.compactMap { if case .ended(let ended) = $0 { ended } else { nil } }
    }

    @Test func threadInDStateLongerThanTheThresholdIsOneStallFromWhenItWasFirstSeen() {
        var detector = StallDetector(thresholds: StallThresholds())
        let states: [Character] =
            [Character](repeating: "S", count: 3) + [Character](repeating: "D", count: 8)
            + [Character](repeating: "S", count: 8)
        let outputs = run(&detector, states.enumerated().map { sample(Double($0.offset) * 0.2, [thread($0.element)]) })
        let stall = began(outputs)
        #expect(stall.count == 1)
        #expect(stall.first?.condition.kind == .uninterruptible)
        #expect(stall.first?.monotonicNs == UInt64(0.6e9))  // first D sample
        #expect(stall.first?.detectedNs == UInt64(1.6e9))  // a second later
        #expect(stall.first?.condition.detail.contains("io_schedule") == true)
        let end = ended(outputs)
        #expect(end.count == 1)
        #expect(end.first?.monotonicNs == UInt64(2.2e9))  // first clear sample
        #expect(end.first?.reason == "recovered")
        #expect(outputs.contains(.capture(id: 1, kind: .uninterruptible, type: .entry)))
    }

    @Test func dStateShorterThanTheThresholdIsNoStall() {
        var detector = StallDetector(thresholds: StallThresholds())
        let states: [Character] = ["S", "D", "D", "D", "S", "D", "D", "S"]
        let outputs = run(&detector, states.enumerated().map { sample(Double($0.offset) * 0.2, [thread($0.element)]) })
        #expect(outputs.isEmpty)
    }

    @Test func aConditionThatClearsBrieflyStaysOneStall() {
        var detector = StallDetector(thresholds: StallThresholds())
        // Stopped 2 s, running 0.4 s (shorter than clearNs), stopped again 2 s.
        let states: [Character] =
            [Character](repeating: "T", count: 10) + ["S", "S"] + [Character](repeating: "T", count: 10)
        let outputs = run(&detector, states.enumerated().map { sample(Double($0.offset) * 0.2, [thread($0.element)]) })
        #expect(began(outputs).count == 1)
        #expect(ended(outputs).isEmpty)
        #expect(detector.activeKinds == [.stopped])
        let finished = detector.finish(monotonicNs: 5 * second, reason: "process ended")
        #expect(ended(finished).map(\.reason) == ["process ended"])
        #expect(detector.activeKinds.isEmpty)
    }

    @Test func runnableWithoutCPUProgressIsStarvedButASpinningThreadIsNot() {
        var detector = StallDetector(thresholds: StallThresholds())
        let starved = (0..<8).map { sample(Double($0) * 0.2, [thread(1, "R", cpu: 500)]) }
        #expect(began(run(&detector, starved)).map(\.condition.kind) == [.starved])

        var other = StallDetector(thresholds: StallThresholds())
        let spinning = (0..<8).map { sample(Double($0) * 0.2, [thread(1, "R", cpu: UInt64($0) * 200_000_000)]) }
        #expect(run(&other, spinning).isEmpty)
    }

    @Test func runQueueWaitAboveTheThresholdPerSecondIsAStallWithTheWaitAsValue() {
        var detector = StallDetector(thresholds: StallThresholds())
        // Waits 100 ms of every 200 ms: 500 ms per second.
        let samples = (0..<10).map {
            sample(Double($0) * 0.2, [thread(7, "R", cpu: UInt64($0) * 100_000_000, wait: UInt64($0) * 100_000_000)])
        }
        let stall = began(run(&detector, samples))
        #expect(stall.count == 1)
        #expect(stall.first?.condition.kind == .runQueue)
        #expect(stall.first?.condition.tid == 7)
        #expect(abs((stall.first?.condition.value ?? 0) - 500) < 1)
        #expect(stall.first?.detectedNs == second)  // the first full window
    }

    @Test func pressureIsMeasuredFromTheKernelsTotalsOverTheWindow() {
        var detector = StallDetector(thresholds: StallThresholds())
        func io(_ totalUs: UInt64) -> PressureTotals { PressureTotals(cpu: 0, io: totalUs) }
        // 180 ms of every 200 ms with some task waiting for I/O: 90 %.
        let samples = (0..<8).map { sample(Double($0) * 0.2, [thread("S")], pressure: io(UInt64($0) * 180_000)) }
        let stall = began(run(&detector, samples))
        #expect(stall.map(\.condition.kind) == [.ioPressure])
        #expect(abs((stall.first?.condition.value ?? 0) - 90) < 0.5)
    }

    @Test func kindsSwitchedOffAreNotDetected() {
        var thresholds = StallThresholds()
        thresholds.stoppedNs = nil
        var detector = StallDetector(thresholds: thresholds)
        #expect(run(&detector, (0..<10).map { sample(Double($0) * 0.2, [thread("T")]) }).isEmpty)
    }

    @Test func logSilenceCountsFromTheLastLine() {
        var thresholds = StallThresholds()
        thresholds.logSilenceNs = 2 * second
        var detector = StallDetector(thresholds: thresholds)
        #expect(detector.observe(sample(1.5, [thread("S")]), windowStart: nil, lastLogLineNs: 0).isEmpty)
        let outputs = detector.observe(sample(2.5, [thread("S")]), windowStart: nil, lastLogLineNs: UInt64(0.4e9))
        #expect(began(outputs).map(\.condition.kind) == [.logSilence])
        #expect(began(outputs).first?.monotonicNs == UInt64(0.4e9))
    }

    @Test func checkpointsComeEveryIntervalUpToTheLimitAndPeaksWhenTheValueGrows() {
        var thresholds = StallThresholds()
        thresholds.checkpointNs = 2 * second
        thresholds.maxCheckpoints = 2
        var detector = StallDetector(thresholds: thresholds)
        // One thread in D, then from 3 s on two: a new peak.
        let samples = (0..<50).map { index -> FineSample in
            let at = Double(index) * 0.2
            return sample(at, at < 3 ? [thread(1, "D"), thread(2, "S")] : [thread(1, "D"), thread(2, "D")])
        }
        let outputs = run(&detector, samples)
        let captures = outputs.compactMap { if case .capture(_, _, let type) = $0 { type } else { nil } }
        #expect(captures.filter { $0 == .checkpoint }.count == 2)
        #expect(captures.filter { $0 == .peak }.count == 1)
        #expect(captures.first == .entry)
        let end = ended(detector.finish(monotonicNs: 11 * second, reason: "watching stopped"))
        #expect(end.first?.peakValue == 2)
        #expect(end.first?.checkpoints == 2)
    }
}

@Suite struct SampleRingTests {
    @Test func keepsTheNewestInOrderOnceFull() {
        var ring = SampleRing<Int>(capacity: 3)
        for value in 1...5 { ring.append(value) }
        #expect(Array(ring) == [3, 4, 5])
        #expect(ring.last == 5)
        #expect(ring.count == 3)
        #expect(ring.lastMatching { $0 < 5 } == 4)
        #expect(ring.lastMatching { $0 > 9 } == nil)
    }

    @Test func anEmptiedRingStartsOverInOrder() {
        var ring = SampleRing<Int>(capacity: 3)
        for value in 1...4 { ring.append(value) }
        ring.removeAll()
        #expect(ring.isEmpty)
        #expect(ring.last == nil)
        for value in 5...8 { ring.append(value) }
        #expect(Array(ring) == [6, 7, 8])
        #expect(ring.last == 8)
    }

    @Test func partlyFilledRingIsInOrder() {
        var ring = SampleRing<Int>(capacity: 4)
        ring.append(1)
        ring.append(2)
        #expect(Array(ring) == [1, 2])
    }
}

@Suite struct SystemActivityTests {
    @Test func topConsumersAreRankedByUseBetweenTwoScansAndReusedPidsSkipped() {
        typealias Entry = SystemActivity.Entry
        let before = SystemActivity(
            monotonicNs: 0,
            processes: [
                1: Entry(comm: "idle", startTicks: 1, cpuTicks: 10, ioBytes: 0),
                2: Entry(comm: "hog", startTicks: 2, cpuTicks: 100, ioBytes: 0),
                3: Entry(comm: "writer", startTicks: 3, cpuTicks: 5, ioBytes: 1000),
                4: Entry(comm: "old", startTicks: 4, cpuTicks: 0, ioBytes: 0),
            ])
        let after = SystemActivity(
            monotonicNs: 500_000_000,
            processes: [
                1: Entry(comm: "idle", startTicks: 1, cpuTicks: 10, ioBytes: 0),
                2: Entry(comm: "hog", startTicks: 2, cpuTicks: 150, ioBytes: 0),
                3: Entry(comm: "writer", startTicks: 3, cpuTicks: 10, ioBytes: 1_001_000),
                4: Entry(comm: "new", startTicks: 99, cpuTicks: 400, ioBytes: 0),
            ])
        let top = after.top(since: before, count: 5, ticksPerSecond: 100)
        #expect(top.cpu.map(\.comm) == ["hog", "writer"])
        #expect(top.cpu.first?.cpuPercent == 100)
        #expect(top.io.map(\.comm) == ["writer"])
        #expect(top.io.first?.ioBytesPerSecond == 2_000_000)
        #expect(
            TopConsumer.json(top.io)
                == "[{\"pid\":3,\"comm\":\"writer\",\"cpu_percent\":10.0,\"io_bytes_per_s\":2000000.0}]")
    }
}
