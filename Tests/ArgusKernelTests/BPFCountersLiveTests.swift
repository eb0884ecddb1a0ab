import ArgusCore
import ArgusKernel
import Glibc
import Testing

/// argus-trace's BPF programs on the running kernel (root only), watching this very process.
@Suite(.serialized, .enabled(if: geteuid() == 0, "loading BPF programs needs root"))
struct BPFCountersLiveTests {
    @Test func everyProgramLoadsAndAttaches() throws {
        let counters = try BPFCounters(followForks: true, runQueueHistogram: true)
        #expect(counters.detached.isEmpty, "not attached: \(counters.detached)")
        #expect(counters.attached == ["on_switch", "on_fork", "on_exit", "on_exec"])
        #expect(counters.exitDescriptor != nil)
    }

    @Test func theDefaultLoadsNoPerSwitchProgramAndNoVmlinuxBTF() throws {
        let counters = try BPFCounters(followForks: false)
        #expect(counters.attached == ["on_exit"])
        #expect(counters.attached.isDisjoint(with: BPFCounters.switchPrograms))
        // Built on this machine: the embedded minimal BTF matches the running kernel.
        #expect(counters.usedMinimalBTF)
    }

    /// A global variable becomes a map of its section, and libbpf then probes three more kernel
    /// features at every start (bpf/argus.bpf.c says why there are none).
    @Test func theProgramsHaveNoGlobalVariables() throws {
        let counters = try BPFCounters(followForks: true, runQueueHistogram: true)
        #expect(Set(counters.mapNames) == ["watched", "runq_waits", "exits", "execs", "lost"])
    }

    @Test func sleepingAndWakingCountsRunQueueWaitsInTheSlot() throws {
        let counters = try BPFCounters(followForks: false, runQueueHistogram: true)
        try counters.resetRunQueueSlot(1)
        try counters.watch(getpid(), runQueueSlot: 1)
        defer { try? counters.unwatch(getpid()) }
        for _ in 0..<20 { usleep(1_000) }
        let waits = try counters.runQueueWaits(slot: 1)
        // Every wake-up is one wait for a CPU (mostly under a microsecond, in slot 0).
        #expect(waits.histogram.reduce(0, +) >= 20)
        #expect(waits.delayMaxNs <= waits.delayNs)
        #expect(try counters.runQueueWaits(slot: 2) == BPFRunQueueWaits())
    }

    @Test func aFollowedChildsExitArrivesOnTheRingBuffer() throws {
        let counters = try BPFCounters(followForks: true)
        try counters.watch(getpid())
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] =
            ["/bin/sh", "-c", "exit 7"].map { (text: String) in strdup(text) } + [nil]
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

    @Test func unwatchingTwiceIsNotAnError() throws {
        let counters = try BPFCounters(followForks: false)
        try counters.watch(getpid())
        try counters.unwatch(getpid())
        try counters.unwatch(getpid())
    }
}
