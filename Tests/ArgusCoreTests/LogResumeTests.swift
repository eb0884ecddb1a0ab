import ArgusCore
import Testing

@Suite struct LogResumeTests {
    let stored = LogPosition(inode: 7, offset: 1_000)

    func plan(_ mode: LogStartMode = .resume, stored: LogPosition?, path: LogFileState?, rotated: LogFileState? = nil)
        -> LogStartPlan
    {
        LogResume.plan(mode: mode, stored: stored, path: path, rotated: rotated)
    }

    @Test func aCompleteLineEndsAfterItsNewlineAndAPartialOneAtItsLastByte() {
        #expect(LogPosition(inode: 1, lineOffset: 10, byteLength: 5, partial: false).offset == 16)
        #expect(LogPosition(inode: 1, lineOffset: 10, byteLength: 5, partial: true).offset == 15)
    }

    @Test func nothingStoredStartsAtTheEndAsBefore() {
        #expect(plan(stored: nil, path: LogFileState(inode: 7, size: 5_000)) == LogStartPlan(current: .end))
    }

    @Test func theSameFileResumesAtTheStoredEnd() {
        #expect(plan(stored: stored, path: LogFileState(inode: 7, size: 5_000)).current == .offset(1_000))
        let atTheEnd = plan(stored: stored, path: LogFileState(inode: 7, size: 1_000))
        #expect(atTheEnd == LogStartPlan(current: .offset(1_000)))
    }

    @Test func aTruncatedFileIsReadFromTheTopAndTheLossIsSaid() {
        let truncated = plan(stored: stored, path: LogFileState(inode: 7, size: 200))
        #expect(truncated.current == .top)
        #expect(truncated.rotatedRest == nil)
        #expect(truncated.note?.contains("truncated") == true)
        #expect(truncated.unreadBytes == nil)
    }

    @Test func aRotatedFileIsFinishedBeforeTheNewOneIsReadFromTheTop() {
        let rotated = plan(
            stored: stored, path: LogFileState(inode: 8, size: 300), rotated: LogFileState(inode: 7, size: 4_000))
        #expect(rotated == LogStartPlan(rotatedRest: 1_000, current: .top))
        let pathGone = plan(stored: stored, path: nil, rotated: LogFileState(inode: 7, size: 1_000))
        #expect(pathGone == LogStartPlan(rotatedRest: 1_000, current: .top))
    }

    @Test func aRotatedFileThatIsGoneIsSaidAndTheNewOneReadFromTheTop() {
        let gone = plan(stored: stored, path: LogFileState(inode: 8, size: 300))
        #expect(gone.current == .top)
        #expect(gone.rotatedRest == nil)
        #expect(gone.note?.contains("inode 7") == true)
        let truncatedAside = plan(
            stored: stored, path: LogFileState(inode: 8, size: 300), rotated: LogFileState(inode: 7, size: 10))
        #expect(truncatedAside.rotatedRest == nil)
        #expect(truncatedAside.note != nil)
    }

    @Test func endIgnoresTheStoredPositionAndSaysWhatItSkips() {
        let end = plan(.end, stored: stored, path: LogFileState(inode: 7, size: 1_500))
        #expect(end.current == .end)
        #expect(end.unreadBytes == 500)
        #expect(plan(.end, stored: stored, path: LogFileState(inode: 8, size: 1_500)) == LogStartPlan(current: .end))
        #expect(plan(.end, stored: nil, path: nil) == LogStartPlan(current: .end))
    }

    @Test func beginningReadsTheWholeFile() {
        let beginning = plan(.beginning, stored: stored, path: LogFileState(inode: 7, size: 5_000))
        #expect(beginning == LogStartPlan(current: .top))
        #expect(plan(.beginning, stored: nil, path: nil) == LogStartPlan(current: .top))
    }
}
