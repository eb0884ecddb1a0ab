import ArgusCore
import Testing

@testable import ArgusRuntime

/// A single-threaded member at rest is restated from the sample tick's /proc/PID/stat instead
/// of its thread's files being read again, but only while its clock has not moved.
@Suite struct StallRestateTests {
    let thread = ThreadSample(
        tid: 7, name: "svc", state: "S", cpuNs: 5_000, runDelayNs: 200, minorFaults: 30, majorFaults: 1,
        wchan: "do_epoll_wait", processor: 1)

    func resting(_ threads: [ThreadSample], cpuNs: UInt64 = 5_000) throws -> StallPacing.Resting {
        try #require(
            StallPacing.Resting(
                threads: threads, cpuNs: cpuNs, pressure: PressureTotals(cpu: 1, memory: 1, io: 1), readNs: 0))
    }

    @Test func aRestingSoleThreadTakesTheTicksStateAndKeepsWhatItLastRead() throws {
        let rest = try resting([thread])
        #expect(StallMonitor.restate(rest, of: 7, as: "S", cpuNs: 5_000) == [thread])
        var woken = thread
        woken.state = "R"
        woken.wchan = nil
        #expect(StallMonitor.restate(rest, of: 7, as: "R", cpuNs: 5_000) == [woken])
    }

    @Test func itsFilesAreReadWhenItRanHasOtherThreadsOrIsNotItsOwnThread() throws {
        let rest = try resting([thread])
        #expect(StallMonitor.restate(rest, of: 7, as: "S", cpuNs: 5_001) == nil)
        #expect(StallMonitor.restate(rest, of: 7, as: "S", cpuNs: nil) == nil)
        #expect(StallMonitor.restate(rest, of: 8, as: "S", cpuNs: 5_000) == nil)
        var other = thread
        other.tid = 9
        #expect(StallMonitor.restate(try resting([thread, other]), of: 7, as: "S", cpuNs: 5_000) == nil)
    }
}
