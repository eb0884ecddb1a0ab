import ArgusCore
import Testing

struct StallPacingTests {
    let second: UInt64 = 1_000_000_000

    func sample(at ns: UInt64, _ threads: [(Int32, Character, UInt64)]) -> FineSample {
        FineSample(
            monotonicNs: ns, time: WallTime(nanoseconds: Int64(ns)),
            threads: threads.map { ThreadSample(tid: $0.0, name: "t", state: $0.1, cpuNs: $0.2, runDelayNs: 0) },
            pressure: PressureTotals())
    }

    func probe(cpu: UInt64, pressure: UInt64 = 7) -> StallPacing.Probe {
        StallPacing.Probe(cpuNs: cpu, pressure: PressureTotals(cpu: pressure, memory: 1, io: 1))
    }

    /// needsFullSample, bound outside #expect (a mutating call cannot sit inside it).
    func full(_ pacing: inout StallPacing, at now: UInt64, probe: StallPacing.Probe) -> Bool {
        pacing.needsFullSample(at: now, probe: probe)
    }

    /// Two identical full samples of sleeping threads make the pacing quiet.
    func quietPacing() -> StallPacing {
        var pacing = StallPacing()
        let first = sample(at: 0, [(1, "S", 10), (2, "S", 20)])
        pacing.fullSampleTaken(first, previous: nil, probe: probe(cpu: 30), stallOpen: false)
        pacing.fullSampleTaken(
            sample(at: second / 5, [(1, "S", 10), (2, "S", 20)]), previous: first, probe: probe(cpu: 30),
            stallOpen: false)
        return pacing
    }

    @Test func sleepingThreadsWithNoCPUProgressNeedOnlyTheCheapCheckUntilASecondHasPassed() {
        var pacing = quietPacing()
        #expect(pacing.isQuiet)
        #expect(!full(&pacing, at: second / 5 * 2, probe: probe(cpu: 30)))
        #expect(!full(&pacing, at: second, probe: probe(cpu: 30)))
        #expect(full(&pacing, at: second / 5 * 6, probe: probe(cpu: 30)))
    }

    @Test func cpuProgressReadsEveryThreadAtOnceAndFromThenOn() {
        var pacing = quietPacing()
        #expect(full(&pacing, at: second / 5 * 2, probe: probe(cpu: 31)))
        #expect(!pacing.isQuiet)
        #expect(full(&pacing, at: second / 5 * 3, probe: probe(cpu: 31)))
    }

    @Test func risingPressureReadsEveryThread() {
        // A thread woken but kept from a CPU does not run: CPU pressure is what moves.
        var pacing = quietPacing()
        #expect(full(&pacing, at: second / 5 * 2, probe: probe(cpu: 30, pressure: 8)))
    }

    @Test func aRunnableStoppedOrDStateThreadKeepsEveryTickFull() {
        for state: Character in ["R", "D", "T", "t"] {
            var pacing = StallPacing()
            let first = sample(at: 0, [(1, "S", 10), (2, state, 20)])
            pacing.fullSampleTaken(first, previous: nil, probe: probe(cpu: 30), stallOpen: false)
            pacing.fullSampleTaken(
                sample(at: second / 5, [(1, "S", 10), (2, state, 20)]), previous: first, probe: probe(cpu: 30),
                stallOpen: false)
            #expect(!pacing.isQuiet, "state \(state)")
            #expect(full(&pacing, at: second / 5 * 2, probe: probe(cpu: 30)))
        }
    }

    @Test func anOpenStallALogSilenceThresholdOrAnUnreadableProbeKeepEveryTickFull() {
        let first = sample(at: 0, [(1, "S", 10)])
        let second = sample(at: self.second / 5, [(1, "S", 10)])
        var pacing = StallPacing()
        pacing.fullSampleTaken(second, previous: first, probe: probe(cpu: 10), stallOpen: true)
        #expect(!pacing.isQuiet)
        pacing.fullSampleTaken(second, previous: first, probe: probe(cpu: 10), stallOpen: false, alwaysFull: true)
        #expect(!pacing.isQuiet)
        pacing.fullSampleTaken(
            second, previous: first, probe: StallPacing.Probe(cpuNs: 10, pressure: PressureTotals()), stallOpen: false)
        #expect(!pacing.isQuiet)
    }

    @Test func aNewThreadIsNotQuiet() {
        var pacing = StallPacing()
        let first = sample(at: 0, [(1, "S", 10)])
        pacing.fullSampleTaken(
            sample(at: second / 5, [(1, "S", 10), (2, "S", 0)]), previous: first, probe: probe(cpu: 10),
            stallOpen: false)
        #expect(!pacing.isQuiet)
    }
}

struct StallPacingSlackTests {
    let second: UInt64 = 1_000_000_000

    func quiet(_ pacing: StallPacing, pressure: UInt64) -> StallPacing {
        var pacing = pacing
        let threads = [ThreadSample(tid: 1, name: "t", state: "S", cpuNs: 10, runDelayNs: 0)]
        let first = FineSample(monotonicNs: 0, time: WallTime(nanoseconds: 0), threads: threads, pressure: .init())
        let next = FineSample(
            monotonicNs: second / 5, time: WallTime(nanoseconds: Int64(second / 5)), threads: threads,
            pressure: .init())
        pacing.fullSampleTaken(
            next, previous: first, probe: .init(cpuNs: 10, pressure: .init(cpu: pressure, memory: 5, io: 5)),
            stallOpen: false)
        return pacing
    }

    @Test func theSlackIsAQuarterOfTheSmallestWaitAStallIsMadeOf() {
        // Defaults: 250 ms of run-queue wait per 1 s window, 1 s starved, 80 % pressure: 62.5 ms.
        #expect(StallPacing(thresholds: StallThresholds()).pressureSlackUs == 62_500)
        var thresholds = StallThresholds()
        thresholds.runQueueMsPerSecond = nil
        thresholds.starvedNs = nil
        #expect(StallPacing(thresholds: thresholds).pressureSlackUs == 200_000)
        thresholds.pressurePercent = nil
        #expect(StallPacing(thresholds: thresholds).pressureSlackUs == 0)
    }

    @Test func otherTasksWaitingALittleKeepTheCheapCheckAndAWaitAsLongAsTheSlackDoesNot() {
        var pacing = quiet(StallPacing(thresholds: StallThresholds()), pressure: 1_000)
        #expect(pacing.isQuiet)
        // 62.4 ms more CPU "some" (µs): still quiet, on CPU, memory or IO.
        let small = pacing.needsFullSample(
            at: second / 5 * 2, probe: .init(cpuNs: 10, pressure: .init(cpu: 63_400, memory: 62_504, io: 5)))
        #expect(!small)
        // 62.5 ms: every thread is read.
        let large = pacing.needsFullSample(
            at: second / 5 * 3, probe: .init(cpuNs: 10, pressure: .init(cpu: 63_500, memory: 5, io: 5)))
        #expect(large)
        #expect(!pacing.isQuiet)
    }

    @Test func aTotalThatWentBackOrVanishedCountsAsMoved() {
        var pacing = quiet(StallPacing(thresholds: StallThresholds()), pressure: 1_000)
        let back = pacing.needsFullSample(
            at: second / 5 * 2, probe: .init(cpuNs: 10, pressure: .init(cpu: 999, memory: 5, io: 5)))
        #expect(back)
        pacing = quiet(StallPacing(thresholds: StallThresholds()), pressure: 1_000)
        let gone = pacing.needsFullSample(
            at: second / 5 * 2, probe: .init(cpuNs: 10, pressure: .init(cpu: 1_000, memory: nil, io: 5)))
        #expect(gone)
    }
}

struct StallPacingRateTests {
    @Test func theRingTicksOnceASecondWhileQuietAndAtTheFullRateOtherwise() {
        var pacing = StallPacing()
        #expect(pacing.tickIntervalNs(fast: 200_000_000) == 200_000_000)
        let threads = [ThreadSample(tid: 1, name: "t", state: "S", cpuNs: 10, runDelayNs: 0)]
        let first = FineSample(monotonicNs: 0, time: WallTime(nanoseconds: 0), threads: threads, pressure: .init())
        let next = FineSample(
            monotonicNs: 200_000_000, time: WallTime(nanoseconds: 200_000_000), threads: threads, pressure: .init())
        let probe = StallPacing.Probe(cpuNs: 10, pressure: .init(cpu: 1, memory: 1, io: 1))
        pacing.fullSampleTaken(next, previous: first, probe: probe, stallOpen: false)
        #expect(pacing.tickIntervalNs(fast: 200_000_000) == 1_000_000_000)
        // A slower --stall-sample than the quiet interval stays as given.
        #expect(pacing.tickIntervalNs(fast: 2_000_000_000) == 2_000_000_000)
        // A tick a second later, a little early by the timer, is the quiet full sample.
        let onTime = pacing.needsFullSample(at: 1_199_000_000, probe: probe)
        #expect(onTime)
        let moved = pacing.needsFullSample(
            at: 1_200_000_000, probe: StallPacing.Probe(cpuNs: 11, pressure: probe.pressure))
        #expect(moved)
        #expect(pacing.tickIntervalNs(fast: 200_000_000) == 200_000_000)
    }

    @Test func theQuietFullSampleIsDueAnEighthEarlyOrHalfEarlyForAnotherTimersTickAndNeverWhileBusy() {
        var pacing = StallPacing()
        let threads = [ThreadSample(tid: 1, name: "t", state: "S", cpuNs: 10, runDelayNs: 0)]
        let first = FineSample(monotonicNs: 0, time: WallTime(nanoseconds: 0), threads: threads, pressure: .init())
        #expect(!pacing.quietSampleDue(at: 5_000_000_000))  // not quiet: the ring's own timer ticks
        let next = FineSample(
            monotonicNs: 200_000_000, time: WallTime(nanoseconds: 200_000_000), threads: threads, pressure: .init())
        let probe = StallPacing.Probe(cpuNs: 10, pressure: .init(cpu: 1, memory: 1, io: 1))
        pacing.fullSampleTaken(next, previous: first, probe: probe, stallOpen: false)
        #expect(!pacing.quietSampleDue(at: 1_000_000_000))
        #expect(pacing.quietSampleDue(at: 1_075_000_000))
        #expect(pacing.quietSampleDue(at: 3_000_000_000))
        // Another timer's tick may take it once half the quiet interval has passed.
        #expect(!pacing.quietSampleDue(at: 650_000_000, early: true))
        #expect(pacing.quietSampleDue(at: 700_000_000, early: true))
        let riding = pacing.needsFullSample(at: 700_000_000, probe: probe, early: true)
        #expect(riding)
        let ridden = FineSample(
            monotonicNs: 700_000_000, time: WallTime(nanoseconds: 700_000_000), threads: threads, pressure: .init())
        pacing.fullSampleTaken(ridden, previous: next, probe: probe, stallOpen: false)
        #expect(!pacing.quietSampleDue(at: 1_000_000_000, early: true))
        #expect(pacing.quietSampleDue(at: 1_200_000_000, early: true))
        // A ring sampling every 5 s ticks at its own rate: no tick rides along.
        #expect(!pacing.quietSampleDue(at: 3_000_000_000, early: true, fastNs: 5_000_000_000))
        #expect(pacing.quietSampleDue(at: 3_000_000_000, early: true, fastNs: 1_000_000_000))
        let moved = pacing.needsFullSample(
            at: 1_200_000_000, probe: StallPacing.Probe(cpuNs: 11, pressure: probe.pressure))
        #expect(moved)
        #expect(!pacing.quietSampleDue(at: 3_000_000_000))
    }

    // Member by member (StallPacing.Resting): a member whose threads all slept is taken as last
    // read while its clock and the pressure stay put.

    func threads(_ states: [Character]) -> [ThreadSample] {
        states.enumerated().map {
            ThreadSample(tid: Int32($0.offset + 1), name: "t", state: $0.element, cpuNs: 5, runDelayNs: 0)
        }
    }

    @Test func aMemberRestsOnlyWhenEveryThreadSleepsAndItsClockAndCPUPressureAreReadable() {
        let pressure = PressureTotals(cpu: 100, memory: 1, io: 1)
        #expect(
            StallPacing.Resting(threads: threads(["S", "I", "S"]), cpuNs: 40, pressure: pressure, readNs: 0) != nil)
        for state: Character in ["R", "D", "T", "t", "Z"] {
            #expect(
                StallPacing.Resting(threads: threads(["S", state]), cpuNs: 40, pressure: pressure, readNs: 0) == nil)
        }
        #expect(StallPacing.Resting(threads: [], cpuNs: 40, pressure: pressure, readNs: 0) == nil)
        #expect(StallPacing.Resting(threads: threads(["S"]), cpuNs: nil, pressure: pressure, readNs: 0) == nil)
        #expect(
            StallPacing.Resting(threads: threads(["S"]), cpuNs: 40, pressure: PressureTotals(memory: 1), readNs: 0)
                == nil)
    }

    @Test func aRestingMemberIsReadAgainWhenItsClockMovesPressureGrowsByTheSlackOrASecondPassed() throws {
        let second: UInt64 = 1_000_000_000
        let pacing = StallPacing(pressureSlackUs: 1_000)
        let then = PressureTotals(cpu: 100_000, memory: 50, io: 50)
        let resting = try #require(
            StallPacing.Resting(threads: threads(["S"]), cpuNs: 40, pressure: then, readNs: second))
        let tick = second + second / 5
        #expect(pacing.stillResting(resting, cpuNs: 40, pressure: then, at: tick))
        // Read again once a second whatever: a tick a little early still counts as the second's.
        #expect(pacing.stillResting(resting, cpuNs: 40, pressure: then, at: second * 2 - second / 8 - 1))
        #expect(!pacing.stillResting(resting, cpuNs: 40, pressure: then, at: second * 2 - second / 8))
        // Other tasks' waits below the slack, in total since the member was read, leave it resting.
        #expect(
            pacing.stillResting(
                resting, cpuNs: 40, pressure: PressureTotals(cpu: 100_999, memory: 50, io: 50), at: tick))
        #expect(
            !pacing.stillResting(
                resting, cpuNs: 40, pressure: PressureTotals(cpu: 101_000, memory: 50, io: 50), at: tick))
        #expect(
            !pacing.stillResting(
                resting, cpuNs: 40, pressure: PressureTotals(cpu: 100_000, memory: 50, io: 1_050), at: tick))
        #expect(!pacing.stillResting(resting, cpuNs: 41, pressure: then, at: tick))
        #expect(!pacing.stillResting(resting, cpuNs: nil, pressure: then, at: tick))
        #expect(!pacing.stillResting(resting, cpuNs: 40, pressure: PressureTotals(memory: 50, io: 50), at: tick))
    }
}
