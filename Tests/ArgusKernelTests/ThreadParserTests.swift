import ArgusCore
import ArgusKernel
import Foundation
import Glibc
import Synchronization
import Testing

@Suite struct ThreadParserTests {
    @Test func schedstatGivesOnCPUAndRunQueueNanoseconds() {
        let parsed = ProcSchedstat(parsing: "260696 1234 1\n")
        #expect(parsed?.cpuNs == 260_696)
        #expect(parsed?.runDelayNs == 1234)
        #expect(ProcSchedstat(parsing: "") == nil)
    }

    @Test func pressureTotalIsTheSomeLinesTotal() {
        let text = """
            some avg10=1.50 avg60=3.16 avg300=9.65 total=856505381
            full avg10=0.00 avg60=0.00 avg300=0.00 total=12

            """
        #expect(PressureTotals.someTotal(parsing: text) == 856_505_381)
        #expect(PressureTotals.someTotal(parsing: "some avg10=1 total=x\n") == nil)
        #expect(PressureTotals.someTotal(parsing: "some avg10=0.00\nfull total=5\n") == nil)
        #expect(PressureTotals.someTotal(parsing: "") == nil)
    }

    @Test func wchanOfARunningThreadIsNil() {
        #expect(WaitChannel.parse("do_wait") == "do_wait")
        #expect(WaitChannel.parse("0") == nil)
        #expect(WaitChannel.parse("") == nil)
    }

    @Test func taskStatGivesTheCPUItLastRanOn() {
        let text =
            "22657 (bash) S 22655 22655 22143 0 -1 4194368 83 0 0 0 0 0 0 0 20 0 1 0 757444 4595712 410 "
            + "18446744073709551615 94657908183040 94657908972445 140727948628384 0 0 0 65536 6 81920 1 0 0 17 1 0 0 0 0 0 "
            + "94657909205744 94657909253988 94658171092992 140727948630890 140727948630905 140727948630905 140727948632042 0\n"
        #expect(ProcStat(parsing: text)?.processor == 1)
    }

    @Test(.enabled(if: geteuid() == 0)) func samplerReadsEveryThreadOfThisProcess() {
        let sampler = ThreadSampler(pid: getpid())
        let threads = sampler.sample()
        #expect(threads.contains { $0.tid == getpid() && $0.cpuNs > 0 })
        let captured = ThreadSampler.capture(pid: getpid())
        #expect(captured.contains { $0.tid == getpid() && $0.kernelStack != nil && $0.syscall != nil })
        #expect(ThreadSampler(pid: 0x3fff_fff0).sample().isEmpty)
    }

    /// The kept files answer while the thread set stays; a thread started or ended since is seen
    /// at the next sample.
    @Test(.enabled(if: geteuid() == 0)) func samplerSeesAThreadStartAndEnd() throws {
        // The test process may run hundreds of threads while other suites run: no cap, so the
        // new thread (the highest id) is sampled.
        let sampler = ThreadSampler(pid: getpid(), maxThreads: 1 << 20)
        _ = sampler.sample()
        var gate: [Int32] = [0, 0]
        try #require(pipe(&gate) == 0)
        let readEnd = gate[0]
        defer { close(readEnd) }
        let started = Mutex(false)
        let name = "argus-sampled"  // its comm, to find its tid among the samples
        let thread = Thread {
            // Through the kernel's file: Foundation's Thread.name reaches the kernel only once
            // start() has stored the pthread, which races with the new thread's first lines.
            let comm = open("/proc/thread-self/comm", O_WRONLY)
            _ = write(comm, name, name.utf8.count)
            close(comm)
            started.withLock { $0 = true }
            var byte: UInt8 = 0
            _ = read(readEnd, &byte, 1)  // blocks until the pipe's write end closes
        }
        thread.start()
        let deadline = Date().addingTimeInterval(10)
        var tid: Int32 = 0
        while tid == 0 && Date() < deadline {
            usleep(1_000)
            if started.withLock({ $0 }) { tid = sampler.sample().first { $0.name == name }?.tid ?? 0 }
        }
        try #require(tid != 0)
        #expect(sampler.sample().contains { $0.tid == tid })
        close(gate[1])
        var gone = false
        while !gone && Date() < deadline {
            gone = !sampler.sample().contains { $0.tid == tid }
            if !gone { usleep(1_000) }
        }
        #expect(gone)
        #expect(sampler.sample().contains { $0.tid == getpid() })
    }
}
