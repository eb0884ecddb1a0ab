import ArgusKernel
import Testing

/// A sample of an idle process reads its status and I/O again only once its CPU clock moved.
struct ProcessActivityTests {
    @Test func switchesAreReadAgainOnlyOnceTheClockMoved() throws {
        let child = try SleepingChild()
        defer { child.end() }
        let files = ProcessFiles(pid: child.pid)
        let first = try #require(files.activity(cpuNs: 42, soleThread: true).leaderStatus?.voluntarySwitches)
        try child.stopAndContinue()
        #expect(files.activity(cpuNs: 42, soleThread: true).leaderStatus?.voluntarySwitches == first)
        let moved = try #require(files.activity(cpuNs: 43, soleThread: true).leaderStatus?.voluntarySwitches)
        #expect(moved > first)
        // Without an ns clock, read every time.
        #expect(files.activity(cpuNs: nil, soleThread: true).leaderStatus?.voluntarySwitches == moved)
        #expect(files.activity(cpuNs: 43, soleThread: false).leaderStatus == nil)
    }

    /// With the process's real clock: a sample while it sleeps reads what the first one read,
    /// and the runs that stopping and continuing it take show in the next.
    @Test func aSampleAfterTheProcessRanHasItsNewSwitches() throws {
        let child = try SleepingChild()
        defer { child.end() }
        let files = ProcessFiles(pid: child.pid)
        let before = try #require(ProcessReader.read(files))
        let idle = try #require(ProcessReader.read(files))
        #expect(idle.cpuTimeNs == before.cpuTimeNs)
        #expect(idle.voluntarySwitches == before.voluntarySwitches)
        try child.stopAndContinue()
        let after = try #require(ProcessReader.read(files))
        #expect(after.cpuTimeNs > before.cpuTimeNs)
        #expect((after.voluntarySwitches ?? 0) > (before.voluntarySwitches ?? .max))
    }
}
