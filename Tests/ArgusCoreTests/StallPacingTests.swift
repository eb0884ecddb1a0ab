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
