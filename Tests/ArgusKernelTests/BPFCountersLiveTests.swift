import ArgusCore
import ArgusKernel
import Glibc
import Testing

/// argus-trace's BPF programs on the running kernel (root only), watching this very process.
@Suite(.serialized, .enabled(if: geteuid() == 0, "loading BPF programs needs root"))
struct BPFCountersLiveTests {
    @Test func everyProgramLoadsAndAttaches() throws {
        let counters = try BPFCounters(followForks: false)
        #expect(counters.detached.isEmpty, "not attached: \(counters.detached)")
        #expect(counters.exitDescriptor != nil)
    }

    @Test func sleepingAndWakingCountsVoluntarySwitches() throws {
        let counters = try BPFCounters(followForks: false)
        counters.watch(getpid())
        let before = counters.counters(of: getpid()) ?? BPFCounterValues()
        for _ in 0..<20 { usleep(1_000) }
        let after = try #require(counters.counters(of: getpid()))
        #expect(after.switchesVoluntary - before.switchesVoluntary >= 20)
        #expect(after.oncpuNs > before.oncpuNs)
    }

    @Test func touchingFreshPagesCountsFaults() throws {
        let counters = try BPFCounters(followForks: false)
        counters.watch(getpid())
        let before = counters.counters(of: getpid())?.faultsUser ?? 0
        let pages = 500
        let size = pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        let memory = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(memory, size) }
        for page in 0..<pages { memory.storeBytes(of: 1, toByteOffset: page * size / pages, as: UInt8.self) }
        let after = try #require(counters.counters(of: getpid())).faultsUser
        #expect(after - before >= UInt64(pages))
    }

    @Test func aFollowedChildsExitArrivesOnTheRingBuffer() throws {
        let counters = try BPFCounters(followForks: true)
        counters.watch(getpid())
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", "exit 7"].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        var exits: [BPFExit] = []
        var execs: [BPFExec] = []
        let deadline = Clocks.monotonicNs() + 5_000_000_000
        while !exits.contains(where: { $0.tgid == pid }) && Clocks.monotonicNs() < deadline {
            let drained = counters.drain()
            exits += drained.exits
            execs += drained.execs
        }
        #expect(exits.first { $0.tgid == pid }?.status == .exited(7))
        let exec = execs.first { $0.tgid == pid }
        #expect(exec?.filename == "/bin/sh")
        #expect(exec?.argv == ["/bin/sh", "-c", "exit 7"])
        #expect(exec?.comm == "sh")
        #expect(counters.lostExits == 0)
        #expect(counters.lostExecs == 0)
    }

    @Test func anUnwatchedProcessIsNotCounted() throws {
        let counters = try BPFCounters(followForks: false)
        for _ in 0..<5 { usleep(1_000) }
        #expect(counters.counters(of: getpid()) == nil)
    }
}
