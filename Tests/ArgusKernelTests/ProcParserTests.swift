import ArgusKernel
import Testing

@Suite struct ProcParserTests {
    // /proc/PID/stat of a process whose comm has spaces and a ')' in it, recorded as a zombie
    // that exited with status 3 (field 52 = 768).
    static let stat =
        "4242 (my (odd) app) Z 100 4242 100 0 -1 4194564 1234 0 5 0 150 25 0 0 20 0 3 0 98765 "
        + "10485760 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 768\n"

    @Test func statFieldsAreCountedFromTheLastParenthesis() throws {
        let stat = try #require(ProcStat(parsing: Self.stat))
        #expect(stat.comm == "my (odd) app")
        #expect(stat.state == "Z")
        #expect(stat.ppid == 100)
        #expect(stat.minorFaults == 1234)
        #expect(stat.majorFaults == 5)
        #expect(stat.userTicks == 150)
        #expect(stat.systemTicks == 25)
        #expect(stat.threads == 3)
        #expect(stat.startTicks == 98765)
        #expect(stat.vsizeBytes == 10_485_760)
        #expect(stat.rssPages == 2560)
        #expect(stat.exitCode == 768)
        #expect(!stat.isKernelThread)
    }

    @Test func kernelThreadsAreRecognisedByTheirFlags() throws {
        let kthread = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0 18446744073709551615 0 0 0"
        #expect(try #require(ProcStat(parsing: kthread)).isKernelThread)
    }

    @Test func malformedStatIsRejected() {
        #expect(ProcStat(parsing: "") == nil)
        #expect(ProcStat(parsing: "12 (x) R 1 2") == nil)
    }

    /// What the samplers parse: the bytes as read into a buffer, from wherever they start in it.
    @Test(arguments: [
        stat, "", "12 (x) R 1 2", "12 (x) R 1 -2 3", "12 (x R 1 2",
        "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 1 0",
    ])
    func statBytesParseAsTheText(text: String) {
        let bytes = Array(("junk" + text).utf8)
        #expect(ProcStat(parsing: bytes[4...]) == ProcStat(parsing: text))
    }

    @Test func statusGivesSizesAndSwitches() {
        let status = ProcStatus(
            parsing: """
                Name:\tmyapp
                State:\tS (sleeping)
                VmSize:\t  123456 kB
                VmRSS:\t    2048 kB
                Threads:\t4
                voluntary_ctxt_switches:\t150
                nonvoluntary_ctxt_switches:\t7

                """)
        #expect(status.value("Name") == "myapp")
        #expect(status.value("Nam") == nil)
        #expect(status.number("Threads") == 4)
        #expect(status.number("VmRSS") == 2048)
        #expect(status.number("VmSize") == 123_456)
        #expect(status.voluntarySwitches == 150)
        #expect(status.involuntarySwitches == 7)
        // A last line without its newline, an empty value, a key longer than any line.
        let short = ProcStatus(parsing: "Name:\t\nThreads:\t12")
        #expect(short.value("Name") == "")
        #expect(short.number("Threads") == 12)
        #expect(short.value("nonvoluntary_ctxt_switches") == nil)
        #expect(ProcStatus(parsing: "").value("Name") == nil)
    }

    @Test func ioGivesStorageBytes() throws {
        let io = try #require(
            ProcIO(
                parsing:
                    "rchar: 100\nwchar: 200\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n"
            ))
        #expect(io.readBytes == 4096)
        #expect(io.writeBytes == 8192)
        #expect(ProcIO(parsing: "rchar: 1\n") == nil)
    }
}
