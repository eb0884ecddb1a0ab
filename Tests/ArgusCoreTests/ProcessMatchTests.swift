import ArgusCore
import Testing

@Suite struct ProcessMatchTests {
    func candidate(_ pid: Int32, start: UInt64, comm: String, exe: String? = nil, argv0: String? = nil)
        -> ProcessCandidate
    {
        ProcessCandidate(pid: pid, startTicks: start, comm: comm, exePath: exe, argv0: argv0)
    }

    @Test func matchesCommExecutableOrArgv0Basename() {
        #expect(candidate(1, start: 1, comm: "myservice").matches("myservice"))
        #expect(candidate(1, start: 1, comm: "python3", exe: "/usr/bin/python3.11").matches("python3.11"))
        #expect(candidate(1, start: 1, comm: "node", argv0: "/srv/app/bin/api-server").matches("api-server"))
        #expect(!candidate(1, start: 1, comm: "myservice2").matches("myservice"))
    }

    @Test func aLongNameMatchesTheKernelsTruncatedComm() {
        #expect(candidate(1, start: 1, comm: "terrain_simulat").matches("terrain_simulation"))
        #expect(!candidate(1, start: 1, comm: "terrain").matches("terrain_simulation"))
    }

    @Test func aDeletedExecutableStillMatches() {
        #expect(candidate(1, start: 1, comm: "x", exe: "/opt/app/worker (deleted)").matches("worker"))
    }

    @Test func picksTheNewestByStartTimeThenPid() {
        let found = ProcessMatch.matching(
            "app",
            in: [
                candidate(10, start: 500, comm: "app"), candidate(30, start: 900, comm: "app"),
                candidate(20, start: 900, comm: "app"), candidate(40, start: 999, comm: "other"),
            ])
        #expect(found.map(\.pid) == [30, 20, 10])
    }
}
