import ArgusCore
import Testing

struct ProcessCounterChangeTests {
    func thread(_ voluntary: UInt64, _ involuntary: UInt64, _ delay: UInt64) -> ThreadCounterReading {
        ThreadCounterReading(voluntarySwitches: voluntary, involuntarySwitches: involuntary, runDelayNs: delay)
    }

    @Test func switchTotalsAddEveryThreadsOwn() {
        let totals = ThreadCounterReading.switchTotals([thread(5, 1, 0), thread(9, 2, 7), thread(0, 4, 0)])
        #expect(totals.voluntary == 14)
        #expect(totals.involuntary == 7)
        #expect(ThreadCounterReading.switchTotals([]) == (0, 0))
    }

    @Test func aThreadInBothReadingsAddsItsGrowth() {
        let before = ProcessCounterReading(cpuNs: 100, faults: 10, threads: [1: thread(5, 1, 1_000)])
        let after = ProcessCounterReading(cpuNs: 350, faults: 12, threads: [1: thread(9, 2, 4_000)])
        let change = after.change(since: before)
        #expect(change.cpuNs == 250)
        #expect(change.faults == 2)
        #expect(change.voluntarySwitches == 4)
        #expect(change.involuntarySwitches == 1)
        #expect(change.runDelayNs == 3_000)
    }

    @Test func aNewThreadAddsEverythingAndAGoneThreadNothing() {
        let before = ProcessCounterReading(
            cpuNs: 0, faults: 0, threads: [1: thread(5, 0, 0), 2: thread(100, 100, 100)])
        let after = ProcessCounterReading(cpuNs: 0, faults: 0, threads: [1: thread(6, 0, 0), 3: thread(7, 1, 50)])
        let change = after.change(since: before)
        #expect(change.voluntarySwitches == 8)
        #expect(change.involuntarySwitches == 1)
        #expect(change.runDelayNs == 50)
    }

    @Test func aReusedThreadIDCountsAsNew() {
        let before = ProcessCounterReading(cpuNs: 0, faults: 0, threads: [4: thread(50, 5, 500)])
        let after = ProcessCounterReading(cpuNs: 0, faults: 0, threads: [4: thread(3, 0, 20)])
        #expect(after.change(since: before).voluntarySwitches == 3)
    }
}
