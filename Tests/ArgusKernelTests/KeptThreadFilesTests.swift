import Glibc
import Testing

@testable import ArgusKernel

/// The kept per-thread files of this test process (it runs several threads), read through stat.
@Suite struct KeptThreadFilesTests {
    func statFiles(limit: Int, overflow: KeptThreadFiles<RereadableFile>.Overflow) -> KeptThreadFiles<RereadableFile> {
        let pid = getpid()
        return KeptThreadFiles(pid: pid, limit: limit, overflow: overflow) { tid in
            RereadableFile(path: "/proc/\(pid)/task/\(tid)/stat")
        }
    }

    /// Each thread's reading is the process's thread count its stat gives.
    func read(_ files: KeptThreadFiles<RereadableFile>) -> [(tid: Int32, reading: Int)] {
        var buffer = [UInt8](repeating: 0, count: 1024)
        func threads(_: Int32, _ file: RereadableFile) -> Int? {
            file.read(using: &buffer).flatMap(ProcStat.init(parsing:))?.threads
        }
        return files.read(threadCount: { $0 }, threads)
    }

    @Test func everyThreadIsReadLowestIdFirstAndTheKeptFilesAnswerAgain() throws {
        let files = statFiles(limit: 1 << 20, overflow: .skip)
        let first = read(files)
        try #require(first.count > 1, "the test runner has several threads")
        #expect(first.map(\.tid) == first.map(\.tid).sorted())
        #expect(first.contains { $0.tid == getpid() })
        #expect(read(files).contains { $0.tid == getpid() })
        #expect(files.skipped == 0)
    }

    @Test func pastTheLimitThreadsAreSkippedOrReadWithoutBeingKept() throws {
        let skipping = statFiles(limit: 1, overflow: .skip)
        let kept = read(skipping)
        #expect(kept.map(\.tid) == [getpid()])  // the lowest id: the leader
        #expect(skipping.skipped >= 1)
        let all = statFiles(limit: 1, overflow: .readUnkept)
        #expect(read(all).count > 1)
        #expect(read(all).count > 1)
        #expect(all.skipped == 0)
    }
}
