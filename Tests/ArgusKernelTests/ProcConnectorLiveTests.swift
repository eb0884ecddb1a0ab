import ArgusCore
import ArgusKernel
import Glibc
import Testing

/// The real proc connector on the running kernel (root only).
@Suite(.enabled(if: geteuid() == 0, "the proc connector needs CAP_NET_ADMIN"))
struct ProcConnectorLiveTests {
    /// Forks a child that exits with `code` at once; returns its pid (reaped by the caller).
    func spawnExiting(_ code: Int32) -> pid_t {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] =
            ["/bin/sh", "-c", "exit \(code)"].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        return pid
    }

    func collect(
        from connector: ProcConnector, until done: ([ProcEvent]) -> Bool, timeoutMs: Int32 = 5_000
    ) throws -> [ProcEvent] {
        let epoll = try Epoll()
        try epoll.watchReadable(connector.descriptor, token: 1)
        var events: [ProcEvent] = []
        let deadline = Clocks.monotonicNs() + UInt64(timeoutMs) * 1_000_000
        while !done(events) && Clocks.monotonicNs() < deadline {
            _ = try epoll.wait(timeoutMs: 100)
            try connector.drain { events.append($0) }
        }
        return events
    }

    @Test func seesAChildsExitWithItsStatus() throws {
        let connector = try ProcConnector()
        let pid = spawnExiting(7)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let events = try collect(from: connector) { events in
            events.contains { if case .exit(pid, pid, _, _) = $0.kind { true } else { false } }
        }
        let exit = events.first { if case .exit(pid, pid, _, _) = $0.kind { true } else { false } }
        // The kernel fills the parent only while the exiting task's pid is alive: a parent whose
        // waitpid reaps it before the message is built (this test's, on the other CPU) gets 0.
        let parents = [getpid(), 0].map { ProcEvent.Kind.exit(pid: pid, tgid: pid, status: .exited(7), parentTgid: $0) }
        #expect(exit.map { parents.contains($0.kind) } == true, "\(String(describing: exit?.kind))")
    }

    @Test func theSocketFilterKeepsOnlyTheWatchedProcess() throws {
        let connector = try ProcConnector()
        let watched = spawnExiting(3)
        try connector.keepOnly(tgid: watched)
        let other = spawnExiting(4)
        var status: Int32 = 0
        waitpid(other, &status, 0)
        waitpid(watched, &status, 0)
        let events = try collect(from: connector) { events in
            events.contains { if case .exit(watched, watched, _, _) = $0.kind { true } else { false } }
        }
        #expect(
            events.contains { $0.kind == .exit(pid: watched, tgid: watched, status: .exited(3), parentTgid: getpid()) })
        let aboutOther = events.filter {
            switch $0.kind {
            case .exit(_, other, _, _), .exec(_, other), .fork(_, _, _, other): true
            default: false
            }
        }
        #expect(aboutOther.isEmpty, "the filter let through \(aboutOther)")
    }

    @Test func theSocketFilterKeepsTheWatchedProcesssThreadsButNotItsChildren() throws {
        let connector = try ProcConnector()
        let me = getpid()
        try connector.keepOnly(tgid: me)
        let child = spawnExiting(5)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        // Then a thread of this process: its fork message comes after the child's.
        var thread = pthread_t()
        #expect(pthread_create(&thread, nil, { _ in nil }, nil) == 0)
        pthread_join(thread, nil)
        let events = try collect(from: connector) { events in
            events.contains { if case .fork(_, _, let pid, me) = $0.kind { pid != me } else { false } }
        }
        #expect(events.contains { if case .fork(_, _, let pid, me) = $0.kind { pid != me } else { false } })
        let aboutChild = events.filter {
            switch $0.kind {
            case .fork(_, _, _, child), .exit(_, child, _, _), .exec(_, child): true
            default: false
            }
        }
        #expect(aboutChild.isEmpty, "the filter let through \(aboutChild)")
    }
}
