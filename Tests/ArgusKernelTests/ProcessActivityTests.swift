import ArgusKernel
import Testing

/// A sample of an idle process reads its switches and I/O again only once its CPU clock moved.
struct ProcessActivityTests {
    @Test func switchesAreReadAgainOnlyOnceTheClockMoved() throws {
        let child = try IdleChild()
        defer { child.end() }
        let files = ProcessFiles(pid: child.pid)
        let first = try #require(files.activity(cpuNs: 42, soleThread: true).switches?.voluntary)
        try child.stopAndContinue()
        #expect(files.activity(cpuNs: 42, soleThread: true).switches?.voluntary == first)
        let moved = try #require(files.activity(cpuNs: 43, soleThread: true).switches?.voluntary)
        #expect(moved > first)
        // Without an ns clock, read every time.
        #expect(files.activity(cpuNs: nil, soleThread: true).switches?.voluntary == moved)
        try child.stopAndContinue()
        #expect(try #require(files.activity(cpuNs: nil, soleThread: true).switches?.voluntary) > moved)
        // A process with several threads: the leader's switches are not its own, not read.
        #expect(files.activity(cpuNs: 44, soleThread: false).switches == nil)
        #expect(files.activity(cpuNs: 44, soleThread: false).io != nil)
    }

    /// With the process's real clock: the runs that stopping and continuing it take move the
    /// clock, and the next sample has their switches.
    @Test func aSampleAfterTheProcessRanHasItsNewSwitches() throws {
        let child = try IdleChild()
        defer { child.end() }
        let files = ProcessFiles(pid: child.pid)
        let before = try #require(ProcessReader.read(files))
        #expect(before.cpuFromClock)
        try child.stopAndContinue()
        let after = try #require(ProcessReader.read(files))
        #expect(after.cpuTimeNs > before.cpuTimeNs)
        #expect((after.voluntarySwitches ?? 0) > (before.voluntarySwitches ?? .max))
    }
}
