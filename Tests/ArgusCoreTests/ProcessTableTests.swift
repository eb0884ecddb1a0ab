import ArgusCore
import Testing

/// The one process table on scripted event sequences, as the proc connector, pidfds and
/// waitpid deliver them: one attached process (its end confirmed by a pidfd) and a spawned tree.
@Suite struct ProcessTableTests {
    // MARK: One attached process

    let pid: Int32 = 100

    /// A table holding one attached process whose threads were read from /proc.
    func attached(threads: Set<Int32> = [100]) -> ProcessTable {
        var table = ProcessTable(followsChildren: false)
        table.add(
            ProcessTable.Member(pid: pid, parentPid: 1, startedNs: 0, threads: threads, confirmsEndWithPidfd: true),
            isRoot: true)
        return table
    }

    func threadFork(_ thread: Int32, at ns: UInt64 = 1) -> ProcEvent {
        // Thread forks name the process's parent (here 1), not the creating thread.
        ProcEvent(monotonicNs: ns, kind: .fork(parentPid: 1, parentTgid: 1, childPid: thread, childTgid: pid))
    }

    func threadExit(_ thread: Int32, _ status: WaitStatus, at ns: UInt64) -> ProcEvent {
        ProcEvent(monotonicNs: ns, kind: .exit(pid: thread, tgid: pid, status: status, parentTgid: 1))
    }

    func ended(_ table: ProcessTable) -> ProcessEnd? { table.root?.end }

    @Test func threadExitIsNotProcessExit() {
        var table = attached()
        _ = table.apply(threadFork(101))
        _ = table.apply(threadFork(102))
        #expect(table.apply(threadExit(101, .exited(0), at: 5)) == [.threadEnded(pid: pid, tid: 101)])
        #expect(table.apply(threadExit(102, .exited(0), at: 6)) == [.threadEnded(pid: pid, tid: 102)])
        #expect(ended(table) == nil)
        #expect(table.live[pid]?.threads == [pid])
    }

    @Test func leaderExitWithLiveThreadsIsNotProcessExit() {
        var table = attached(threads: [pid, 101])
        #expect(table.apply(threadExit(pid, .exited(0), at: 5)) == [.threadEnded(pid: pid, tid: pid)])
        #expect(ended(table) == nil)
        // The last thread calls exit(3): exit_group gives every remaining thread the group's code.
        #expect(
            table.apply(threadExit(101, .exited(3), at: 9)) == [
                .threadEnded(pid: pid, tid: 101), .threadsGone(pid: pid),
            ])
        let outputs = table.groupExited(pid)
        #expect(outputs.count == 1)
        #expect(ended(table) == ProcessEnd(status: .exited(3), monotonicNs: 9, source: "proc_connector"))
    }

    @Test func pidfdBeforeTheLastExitMessageWaitsForIt() {
        var table = attached()
        #expect(table.groupExited(pid).isEmpty)
        _ = table.apply(threadExit(pid, .signaled(9), at: 3))
        #expect(ended(table) == ProcessEnd(status: .signaled(9), monotonicNs: 3, source: "proc_connector"))
    }

    @Test func lostExitMessageFallsBackToTheZombiesStatus() {
        var table = attached()
        _ = table.groupExited(pid)
        let fallback = ProcessEnd(status: .exited(1), monotonicNs: 8, source: "proc_stat")
        _ = table.statusDeadlinePassed(pid, monotonicNs: 8, fallback: fallback)
        #expect(ended(table) == fallback)
    }

    @Test func withNoSourceOfTheStatusItEndsUnknown() {
        var table = attached()
        #expect(table.statusDeadlinePassed(pid, monotonicNs: 8, fallback: nil).isEmpty)  // group not gone yet
        _ = table.groupExited(pid)
        _ = table.statusDeadlinePassed(pid, monotonicNs: 8, fallback: nil)
        #expect(ended(table) == ProcessEnd(status: nil, monotonicNs: 8, source: "pidfd"))
    }

    @Test func execLeavesOnlyTheLeader() {
        var table = attached(threads: [pid, 101, 102])
        #expect(
            table.apply(ProcEvent(monotonicNs: 2, kind: .exec(pid: pid, tgid: pid))) == [
                .exec(pid: pid, monotonicNs: 2)
            ])
        #expect(table.live[pid]?.threads == [pid])
        #expect(table.live[pid]?.execs == 1)
    }

    @Test func withoutFollowingChildrenOthersAreIgnored() {
        var table = attached()
        let other = ProcEvent(monotonicNs: 1, kind: .exit(pid: 200, tgid: 200, status: .exited(1), parentTgid: 1))
        let child = ProcEvent(
            monotonicNs: 1, kind: .fork(parentPid: pid, parentTgid: pid, childPid: 300, childTgid: 300))
        #expect(table.apply(other).isEmpty)
        #expect(table.apply(child).isEmpty)
        #expect(table.live.keys.sorted() == [pid])
    }

    @Test func resyncAfterLostForkMessagesKeepsItAlive() {
        var table = attached()
        // Thread 105 was created while messages were being dropped.
        #expect(table.apply(threadExit(pid, .exited(0), at: 2)).last == .threadsGone(pid: pid))
        _ = table.resync([.init(pid: pid, startedNs: 0, observed: .running(threads: [105]))], monotonicNs: 2)
        #expect(table.apply(threadExit(105, .exited(4), at: 3)).last == .threadsGone(pid: pid))
        _ = table.groupExited(pid)
        #expect(ended(table) == ProcessEnd(status: .exited(4), monotonicNs: 3, source: "proc_connector"))
    }

    @Test func aPidfdConfirmedMemberIsNotEndedByAResync() {
        var table = attached()
        #expect(table.resync([.init(pid: pid, startedNs: 0, observed: .gone)], monotonicNs: 2).isEmpty)
        #expect(table.contains(pid))
    }

    @Test func nothingHappensAfterTheEnd() {
        var table = attached()
        _ = table.apply(threadExit(pid, .exited(0), at: 2))
        _ = table.groupExited(pid)
        #expect(ended(table) != nil)
        #expect(table.apply(threadFork(101)).isEmpty)
        #expect(table.groupExited(pid).isEmpty)
    }

    // MARK: A spawned tree

    /// A table following children from root 10.
    func tree(reaper: Int32? = nil, rootParent: Int32 = 1) -> ProcessTable {
        var table = ProcessTable(followsChildren: true, reaperPid: reaper)
        table.add(ProcessTable.Member(pid: 10, parentPid: rootParent, startedNs: 0, threads: [10]), isRoot: true)
        return table
    }

    func fork(_ parent: Int32, _ child: Int32, thread: Int32? = nil, at ns: UInt64 = 1) -> ProcEvent {
        ProcEvent(
            monotonicNs: ns,
            kind: .fork(parentPid: parent, parentTgid: parent, childPid: thread ?? child, childTgid: child))
    }

    func exit(_ pid: Int32, tgid: Int32? = nil, _ status: WaitStatus, at ns: UInt64, parent: Int32 = 1) -> ProcEvent {
        ProcEvent(monotonicNs: ns, kind: .exit(pid: pid, tgid: tgid ?? pid, status: status, parentTgid: parent))
    }

    /// The ends among `outputs`, as (pid, end).
    func ends(_ outputs: [ProcessTable.Output]) -> [(Int32, ProcessEnd?)] {
        outputs.compactMap { if case .ended(let member) = $0 { return (member.pid, member.end) } else { return nil } }
    }

    @Test func childrenAndGrandchildrenJoinOthersDoNot() {
        var table = tree()
        #expect(table.apply(fork(10, 11, at: 2)).count == 1)
        #expect(table.apply(fork(11, 12, at: 3)).count == 1)
        #expect(table.apply(fork(99, 100, at: 4)).isEmpty)
        #expect(table.live.keys.sorted() == [10, 11, 12])
        #expect(table.live[12]?.parentPid == 11)
        #expect(table.live[12]?.startedNs == 3)
    }

    @Test func aChildInheritsWhatItsParentRunsUntilItExecs() {
        var table = tree()
        table.setCommand(CommandIdentity(comm: "make", argv: ["make", "-j4"]), of: 10)
        _ = table.apply(fork(10, 11, at: 2))
        #expect(table.live[11]?.command.comm == "make")
    }

    @Test func aProcessEndsWithItsLastThread() {
        var table = tree()
        _ = table.apply(fork(10, 10, thread: 15))
        #expect(ends(table.apply(exit(10, .exited(0), at: 5))).isEmpty)  // the leader first
        let end = ProcessEnd(status: .exited(2), monotonicNs: 6, source: "proc_connector")
        let outputs = table.apply(exit(15, tgid: 10, .exited(2), at: 6))
        #expect(ends(outputs).map(\.0) == [10])
        #expect(table.root?.end == end)
    }

    @Test func reapingBeforeTheExitMessageEndsItOnce() {
        var table = tree()
        let outputs = table.reaped(10, status: .signaled(9), monotonicNs: 7)
        #expect(ends(outputs).first?.1 == ProcessEnd(status: .signaled(9), monotonicNs: 7, source: "wait"))
        #expect(ends(table.apply(exit(10, .signaled(9), at: 6))).isEmpty)
        #expect(table.endedCount == 1)
    }

    @Test func aWaitStatusCorrectsADifferentConnectorStatus() {
        var table = tree(reaper: 5, rootParent: 5)
        _ = table.apply(exit(10, .exited(0), at: 6))
        #expect(table.reaped(10, status: .exited(0), monotonicNs: 7).isEmpty)  // the same: nothing to say
        let outputs = table.reaped(10, status: .exited(3), monotonicNs: 8)
        guard case .corrected(let member)? = outputs.first else {
            Issue.record("no correction: \(outputs)")
            return
        }
        #expect(member.end == ProcessEnd(status: .exited(3), monotonicNs: 6, source: "wait"))
        #expect(table.root?.end?.status == .exited(3))
    }

    @Test func theReapersChildrenEndWithTheirWaitStatus() {
        var table = tree(reaper: 5, rootParent: 5)
        #expect(ends(table.apply(exit(10, .exited(3), at: 6, parent: 5))).isEmpty)  // held for waitpid
        #expect(table.contains(10))
        #expect(table.running.isEmpty)  // ended, only its wait status is awaited
        #expect(
            ends(table.reaped(10, status: .exited(3), monotonicNs: 7)).first?.1
                == ProcessEnd(status: .exited(3), monotonicNs: 7, source: "wait"))
    }

    @Test func anUnreapedChildSettlesWithTheConnectorsStatus() {
        var table = tree(reaper: 5, rootParent: 5)
        _ = table.apply(exit(10, .exited(3), at: 6, parent: 5))
        #expect(
            ends(table.settleUnreaped()).first?.1
                == ProcessEnd(status: .exited(3), monotonicNs: 6, source: "proc_connector"))
    }

    @Test func orphansStayInTheTableAfterTheirParentEnds() {
        var table = tree()
        _ = table.apply(fork(10, 11))
        _ = table.apply(fork(11, 12))
        _ = table.apply(exit(11, .exited(0), at: 4))
        _ = table.apply(exit(10, .exited(0), at: 5))
        #expect(table.live.keys.sorted() == [12])
        #expect(
            ends(table.reaped(12, status: .exited(3), monotonicNs: 9)).first?.1
                == ProcessEnd(status: .exited(3), monotonicNs: 9, source: "wait"))
    }

    @Test func aReusedPidIsANewProcess() {
        var table = tree()
        // A pid comes back only after the kernel has handed out every other one: seconds later.
        _ = table.apply(fork(10, 11, at: 1_000_000_000))
        let first = ends(table.apply(exit(11, .exited(1), at: 1_100_000_000)))
        _ = table.apply(fork(10, 11, at: 5_000_000_000))
        let second = ends(table.apply(exit(11, .exited(2), at: 5_100_000_000)))
        #expect((first + second).map(\.1?.status) == [.exited(1), .exited(2)])
    }

    @Test func afterLostMessagesZombiesGiveTheirStatusAndGoneOnesEndUnknown() {
        var table = tree()
        for child: Int32 in 11...14 { _ = table.apply(fork(10, child)) }
        let observed: [Int32: ProcessTable.Observed] = [
            11: .gone, 12: .exited(.exited(2)), 13: .running(threads: [13]), 14: .probed(.signaled(9)),
        ]
        let outputs = table.resync(
            observed.keys.sorted().map { .init(pid: $0, startedNs: 1, observed: observed[$0]!) }, monotonicNs: 9)
        #expect(ends(outputs).map(\.0) == [11, 12, 14])
        #expect(
            ends(outputs).map(\.1) == [
                ProcessEnd(status: nil, monotonicNs: 9, source: "lost"),
                ProcessEnd(status: .exited(2), monotonicNs: 9, source: "proc_stat"),
                ProcessEnd(status: .signaled(9), monotonicNs: 9, source: "bpf"),
            ])
        #expect(table.live.keys.sorted() == [10, 13])
    }

    @Test func aResyncOfAnotherProcessUnderTheSamePidChangesNothing() {
        var table = tree()
        _ = table.apply(fork(10, 11, at: 1))
        // The observation was taken of an earlier 11, before this one started.
        #expect(table.resync([.init(pid: 11, startedNs: 999, observed: .gone)], monotonicNs: 9).isEmpty)
        #expect(table.contains(11))
    }

    @Test func missedProcessesAreAdoptedOnceAndNeverAgain() {
        var table = tree()
        #expect(
            table.adopt(pid: 13, parentPid: 10, startedNs: 100_000_000, observed: .running(threads: [13])).count == 1)
        #expect(table.adopt(pid: 14, parentPid: 99, startedNs: 8, observed: .running(threads: [14])).isEmpty)
        // A zombie found later: adopted with its end, then never again while it lingers in /proc.
        let zombie = table.adopt(pid: 15, parentPid: 10, startedNs: 200_000_000, observed: .exited(.exited(1)))
        #expect(zombie.count == 2)
        #expect(table.adopt(pid: 15, parentPid: 10, startedNs: 210_000_000, observed: .exited(.exited(1))).isEmpty)
        // The same pid much later is another process.
        #expect(
            table.adopt(pid: 15, parentPid: 10, startedNs: 900_000_000, observed: .running(threads: [15])).count == 1)
    }

    @Test func aForkMessageReadAfterItsProcessWasRecoveredAddsNothing() {
        var table = tree()
        _ = table.adopt(pid: 15, parentPid: 10, startedNs: 200_000_000, observed: .exited(.exited(1)))
        // The queued fork message, older than the /proc scan, arrives now.
        #expect(table.apply(fork(10, 15, at: 204_000_000)).isEmpty)
        #expect(table.endedCount == 1)
        #expect(table.live.keys.sorted() == [10])
    }

    @Test func anotherChildOfTheReaperUnderARecentPidCorrectsNothing() {
        var table = tree(reaper: 5, rootParent: 5)
        _ = table.apply(fork(10, 11, at: 2))
        _ = table.apply(exit(11, .exited(0), at: 3))  // its parent, 10, is not the reaper: ended by the connector
        // A helper argus-trace ran got pid 11 after it and is reaped: not a correction of 11.
        #expect(table.reaped(11, status: .exited(1), monotonicNs: 4).isEmpty)
    }

    @Test func endedMembersAreForgottenBeyondTheRecentCapacity() {
        var table = tree(reaper: 5, rootParent: 5)
        let count = ProcessTable.recentCapacity + 50
        for index in 0..<count {
            let child = Int32(1_000 + index)
            _ = table.apply(fork(10, child, at: UInt64(index) * 10))
            // Ended from /proc after lost messages: a later wait status may still correct it.
            _ = table.resync([.init(pid: child, startedNs: UInt64(index) * 10, observed: .gone)], monotonicNs: 1)
        }
        #expect(table.endedCount == count)
        // The oldest is forgotten: a late wait status for it says nothing; a recent one is corrected.
        #expect(table.reaped(1_000, status: .exited(9), monotonicNs: 1).isEmpty)
        #expect(table.reaped(Int32(1_000 + count - 1), status: .exited(9), monotonicNs: 1).count == 1)
        #expect(table.live.keys.sorted() == [10])
    }
}
