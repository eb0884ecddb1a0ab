import ArgusCore
import Testing

/// The Tracker on scripted event sequences, as the proc connector and the pidfd deliver them.
@Suite struct TrackerTests {
    let pid: Int32 = 100

    func fork(thread: Int32, at ns: UInt64 = 1) -> ProcEvent {
        // Thread forks name the process's parent (here 1), not the creating thread.
        ProcEvent(monotonicNs: ns, kind: .fork(parentPid: 1, parentTgid: 1, childPid: thread, childTgid: pid))
    }

    func exit(thread: Int32, status: WaitStatus, at ns: UInt64) -> ProcEvent {
        ProcEvent(monotonicNs: ns, kind: .exit(pid: thread, tgid: pid, status: status, parentTgid: 1))
    }

    @Test func threadExitIsNotProcessExit() {
        var tracker = Tracker(tgid: pid, threads: [pid])
        _ = tracker.apply(fork(thread: 101))
        _ = tracker.apply(fork(thread: 102))
        #expect(tracker.apply(exit(thread: 101, status: .exited(0), at: 5)) == [.threadEnded(tid: 101)])
        #expect(tracker.apply(exit(thread: 102, status: .exited(0), at: 6)) == [.threadEnded(tid: 102)])
        #expect(!tracker.hasEnded)
        #expect(tracker.threads == [pid])
    }

    @Test func leaderExitWithLiveThreadsIsNotProcessExit() {
        var tracker = Tracker(tgid: pid, threads: [pid, 101])
        #expect(tracker.apply(exit(thread: pid, status: .exited(0), at: 5)) == [.threadEnded(tid: pid)])
        #expect(!tracker.hasEnded)
        // The last thread calls exit(3): exit_group gives every remaining thread the group's code.
        #expect(tracker.apply(exit(thread: 101, status: .exited(3), at: 9)) == [.threadEnded(tid: 101), .threadsGone])
        let outputs = tracker.groupExited(monotonicNs: 10)
        #expect(outputs == [.ended(ProcessEnd(status: .exited(3), monotonicNs: 9, source: "proc_connector"))])
    }

    @Test func pidfdBeforeTheLastExitMessageWaitsForIt() {
        var tracker = Tracker(tgid: pid, threads: [pid])
        #expect(tracker.groupExited(monotonicNs: 4).isEmpty)
        let outputs = tracker.apply(exit(thread: pid, status: .signaled(9), at: 3))
        #expect(outputs.last == .ended(ProcessEnd(status: .signaled(9), monotonicNs: 3, source: "proc_connector")))
    }

    @Test func lostExitMessageFallsBackToTheZombiesStatus() {
        var tracker = Tracker(tgid: pid, threads: [pid])
        _ = tracker.groupExited(monotonicNs: 4)
        let outputs = tracker.statusDeadlinePassed(monotonicNs: 8, fallback: .exited(1))
        #expect(outputs == [.ended(ProcessEnd(status: .exited(1), monotonicNs: 8, source: "proc_stat"))])
    }

    @Test func withNoSourceOfTheStatusItEndsUnknown() {
        var tracker = Tracker(tgid: pid, threads: [pid])
        #expect(tracker.statusDeadlinePassed(monotonicNs: 8, fallback: nil).isEmpty)  // group not gone yet
        _ = tracker.groupExited(monotonicNs: 4)
        let outputs = tracker.statusDeadlinePassed(monotonicNs: 8, fallback: nil)
        #expect(outputs == [.ended(ProcessEnd(status: nil, monotonicNs: 8, source: "pidfd"))])
    }

    @Test func execLeavesOnlyTheLeader() {
        var tracker = Tracker(tgid: pid, threads: [pid, 101, 102])
        #expect(tracker.apply(ProcEvent(monotonicNs: 2, kind: .exec(pid: pid, tgid: pid))) == [.exec(monotonicNs: 2)])
        #expect(tracker.threads == [pid])
    }

    @Test func eventsOfOtherProcessesAreIgnored() {
        var tracker = Tracker(tgid: pid, threads: [pid])
        let other = ProcEvent(monotonicNs: 1, kind: .exit(pid: 200, tgid: 200, status: .exited(1), parentTgid: 1))
        let child = ProcEvent(monotonicNs: 1, kind: .fork(parentPid: pid, parentTgid: pid, childPid: 300, childTgid: 300))
        #expect(tracker.apply(other).isEmpty)
        #expect(tracker.apply(child).isEmpty)
        #expect(tracker.threads == [pid])
    }

    @Test func resyncAfterLostForkMessagesKeepsItAlive() {
        var tracker = Tracker(tgid: pid, threads: [pid])
        // Thread 105 was created while messages were being dropped.
        #expect(tracker.apply(exit(thread: pid, status: .exited(0), at: 2)).last == .threadsGone)
        tracker.resync(threads: [105])
        #expect(tracker.apply(exit(thread: 105, status: .exited(4), at: 3)).last == .threadsGone)
        #expect(tracker.groupExited(monotonicNs: 4).first == .ended(ProcessEnd(status: .exited(4), monotonicNs: 3, source: "proc_connector")))
    }

    @Test func nothingHappensAfterTheEnd() {
        var tracker = Tracker(tgid: pid, threads: [pid])
        _ = tracker.apply(exit(thread: pid, status: .exited(0), at: 2))
        _ = tracker.groupExited(monotonicNs: 3)
        #expect(tracker.hasEnded)
        #expect(tracker.apply(fork(thread: 101)).isEmpty)
        #expect(tracker.groupExited(monotonicNs: 5).isEmpty)
    }
}
