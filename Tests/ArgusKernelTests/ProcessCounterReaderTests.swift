import ArgusCore
import ArgusKernel
import Glibc
import Testing

/// The counters the kernel keeps anyway, read from /proc for this very process.
struct ProcessCounterReaderTests {
    @Test func sleepingAndWakingNTimesShowsNVoluntarySwitches() throws {
        let reader = ProcessCounterReader(pid: getpid())
        let before = try #require(reader.read())
        for _ in 0..<20 { usleep(1_000) }
        let change = try #require(reader.read()).change(since: before)
        #expect(change.voluntarySwitches >= 20)
        #expect(change.cpuNs > 0)
    }

    @Test func touchingMFreshPagesShowsMFaults() throws {
        let reader = ProcessCounterReader(pid: getpid())
        let before = try #require(reader.read())
        let pages = 500
        let size = pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        let memory = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(memory, size) }
        for page in 0..<pages { memory.storeBytes(of: 1, toByteOffset: page * size / pages, as: UInt8.self) }
        #expect(try #require(reader.read()).change(since: before).faults >= UInt64(pages))
    }

    @Test func aGoneProcessReadsAsNil() throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/true"].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/true", nil, nil, argv, environ) == 0)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(ProcessCounterReader(pid: pid).read() == nil)
    }

    /// A single-threaded process: the switches come from the sampler's /proc/PID/status, and only
    /// its schedstat is read (its run-queue wait, the second field).
    @Test func aSoleThreadTakesTheSamplersSwitchesAndReadsItsRunQueueWait() throws {
        let child = try IdleChild()
        defer { child.end() }
        let pid = child.pid
        let group = ProcessCounterReader.Group(
            cpuNs: 5, cpuFromClock: true, faults: 9, threads: 1, soleThreadSwitches: (voluntary: 111, involuntary: 22))
        let reading = try #require(ProcessCounterReader(pid: pid).read(group: group))
        #expect(reading.cpuNs == 5 && reading.faults == 9)
        #expect(Array(reading.threads.keys) == [pid])
        let schedstat = try #require(try? String(contentsOfFile: "/proc/\(pid)/schedstat", encoding: .utf8))
        let wait = try #require(schedstat.split(separator: " ").dropFirst().first.flatMap { UInt64($0) })
        #expect(
            reading.threads[pid]
                == ThreadCounterReading(voluntarySwitches: 111, involuntarySwitches: 22, runDelayNs: wait))
        // More than one thread: each thread's own files, never the sampler's sums.
        let two = ProcessCounterReader.Group(
            cpuNs: 5, cpuFromClock: true, faults: 9, threads: 2, soleThreadSwitches: (1, 1))
        #expect(two.soleThreadSwitches == nil)
    }

    /// While the group's CPU time stands still, the last reading's threads are the answer: nothing
    /// is read (here the sampler's switches, handed in anew, are not taken); once it moves, all
    /// is read. CPU time in 10 ms ticks can stand still while a thread runs: read every time.
    @Test func aGroupWhoseClockStoodStillGetsTheLastReading() throws {
        let child = try IdleChild()
        defer { child.end() }
        let reader = ProcessCounterReader(pid: child.pid)
        func switches(cpuNs: UInt64, fromClock: Bool = true, faults: UInt64 = 9, voluntary: UInt64) -> UInt64? {
            let group = ProcessCounterReader.Group(
                cpuNs: cpuNs, cpuFromClock: fromClock, faults: faults, threads: 1,
                soleThreadSwitches: (voluntary: voluntary, involuntary: 0))
            return reader.read(group: group)?.threads[child.pid]?.voluntarySwitches
        }
        #expect(switches(cpuNs: 5, voluntary: 111) == 111)
        #expect(switches(cpuNs: 5, voluntary: 999) == 111)
        #expect(switches(cpuNs: 6, voluntary: 999) == 999)
        #expect(switches(cpuNs: 6, fromClock: false, voluntary: 5) == 5)
        #expect(switches(cpuNs: 6, fromClock: false, voluntary: 7) == 7)
        // The group's own figures are always the ones handed in.
        let group = ProcessCounterReader.Group(
            cpuNs: 8, cpuFromClock: true, faults: 40, threads: 1, soleThreadSwitches: (voluntary: 1, involuntary: 0))
        _ = reader.read(group: group)
        let again = ProcessCounterReader.Group(
            cpuNs: 8, cpuFromClock: true, faults: 41, threads: 1, soleThreadSwitches: (voluntary: 1, involuntary: 0))
        #expect(reader.read(group: again)?.faults == 41)
    }
}
