import ArgusCore
import Testing

/// The tree on scripted event sequences, as the proc connector and waitpid deliver them.
@Suite struct ProcessTreeTests {
    func fork(_ parent: Int32, _ child: Int32, thread: Int32? = nil, at ns: UInt64 = 1) -> ProcEvent {
        ProcEvent(
            monotonicNs: ns,
            kind: .fork(parentPid: parent, parentTgid: parent, childPid: thread ?? child, childTgid: child))
    }

    func exit(_ pid: Int32, tgid: Int32? = nil, _ status: WaitStatus, at ns: UInt64) -> ProcEvent {
        ProcEvent(monotonicNs: ns, kind: .exit(pid: pid, tgid: tgid ?? pid, status: status, parentTgid: 1))
    }

    @Test func childrenAndGrandchildrenJoinOthersDoNot() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        #expect(tree.apply(fork(10, 11, at: 2)) == [.started(pid: 11, parentPid: 10, monotonicNs: 2)])
        #expect(tree.apply(fork(11, 12, at: 3)) == [.started(pid: 12, parentPid: 11, monotonicNs: 3)])
        #expect(tree.apply(fork(99, 100, at: 4)).isEmpty)
        #expect(tree.live.keys.sorted() == [10, 11, 12])
    }

    @Test func aProcessEndsWithItsLastThread() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        _ = tree.apply(fork(10, 10, thread: 15))
        #expect(tree.apply(exit(10, .exited(0), at: 5)).isEmpty)  // the leader first
        let end = ProcessEnd(status: .exited(2), monotonicNs: 6, source: "proc_connector")
        #expect(tree.apply(exit(15, tgid: 10, .exited(2), at: 6)) == [.ended(pid: 10, end)])
        #expect(tree.root?.end == end)
    }

    @Test func execLeavesOneThreadAndCounts() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        _ = tree.apply(fork(10, 10, thread: 15))
        #expect(tree.apply(ProcEvent(monotonicNs: 3, kind: .exec(pid: 10, tgid: 10))) == [.exec(pid: 10, monotonicNs: 3)])
        #expect(tree.live[10]?.threads == [10])
        #expect(tree.live[10]?.execs == 1)
    }

    @Test func reapingBeforeTheExitMessageEndsItOnce() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        let outputs = tree.reaped(10, status: .signaled(9), monotonicNs: 7)
        #expect(outputs == [.ended(pid: 10, ProcessEnd(status: .signaled(9), monotonicNs: 7, source: "wait"))])
        #expect(tree.apply(exit(10, .signaled(9), at: 6)).isEmpty)
        #expect(tree.finished.count == 1)
    }

    @Test func aWaitStatusCorrectsADifferentConnectorStatus() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        _ = tree.apply(exit(10, .exited(0), at: 6))
        #expect(tree.reaped(10, status: .exited(0), monotonicNs: 7).isEmpty)  // the same: nothing to say
        let outputs = tree.reaped(10, status: .exited(3), monotonicNs: 8)
        #expect(outputs == [.corrected(pid: 10, ProcessEnd(status: .exited(3), monotonicNs: 6, source: "wait"))])
    }

    @Test func theReapersChildrenEndWithTheirWaitStatus() {
        var tree = ProcessTree(rootPid: 10, parentPid: 5, startedNs: 0, reaperPid: 5)
        let exit = ProcEvent(monotonicNs: 6, kind: .exit(pid: 10, tgid: 10, status: .exited(3), parentTgid: 5))
        #expect(tree.apply(exit).isEmpty)  // held for waitpid
        #expect(tree.contains(10))
        #expect(tree.running.isEmpty)  // ended, only its wait status is awaited
        #expect(
            tree.reaped(10, status: .exited(3), monotonicNs: 7)
                == [.ended(pid: 10, ProcessEnd(status: .exited(3), monotonicNs: 7, source: "wait"))])
    }

    @Test func anUnreapedChildSettlesWithTheConnectorsStatus() {
        var tree = ProcessTree(rootPid: 10, parentPid: 5, startedNs: 0, reaperPid: 5)
        _ = tree.apply(ProcEvent(monotonicNs: 6, kind: .exit(pid: 10, tgid: 10, status: .exited(3), parentTgid: 5)))
        #expect(
            tree.settleUnreaped()
                == [.ended(pid: 10, ProcessEnd(status: .exited(3), monotonicNs: 6, source: "proc_connector"))])
    }

    @Test func orphansStayInTheTreeAfterTheirParentEnds() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        _ = tree.apply(fork(10, 11))
        _ = tree.apply(fork(11, 12))
        _ = tree.apply(exit(11, .exited(0), at: 4))
        _ = tree.apply(exit(10, .exited(0), at: 5))
        #expect(tree.live.keys.sorted() == [12])
        #expect(tree.reaped(12, status: .exited(3), monotonicNs: 9).first == .ended(
            pid: 12, ProcessEnd(status: .exited(3), monotonicNs: 9, source: "wait")))
    }

    @Test func aReusedPidIsANewProcess() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        // A pid comes back only after the kernel has handed out every other one: seconds later.
        _ = tree.apply(fork(10, 11, at: 1_000_000_000))
        _ = tree.apply(exit(11, .exited(1), at: 1_100_000_000))
        _ = tree.apply(fork(10, 11, at: 5_000_000_000))
        _ = tree.apply(exit(11, .exited(2), at: 5_100_000_000))
        #expect(tree.finished.map(\.end?.status) == [.exited(1), .exited(2)])
    }

    @Test func afterLostMessagesZombiesGiveTheirStatusAndGoneOnesEndUnknown() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        _ = tree.apply(fork(10, 11))
        _ = tree.apply(fork(10, 12))
        _ = tree.apply(fork(10, 13))
        _ = tree.apply(fork(10, 14))
        let outputs = tree.resync(monotonicNs: 9) { node in
            switch node.pid {
            case 11: .gone
            case 12: .exited(.exited(2))
            case 14: .probed(.signaled(9))
            default: .running(threads: [node.pid])
            }
        }
        #expect(
            outputs == [
                .ended(pid: 11, ProcessEnd(status: nil, monotonicNs: 9, source: "lost")),
                .ended(pid: 12, ProcessEnd(status: .exited(2), monotonicNs: 9, source: "proc_stat")),
                .ended(pid: 14, ProcessEnd(status: .signaled(9), monotonicNs: 9, source: "bpf")),
            ])
        #expect(tree.live.keys.sorted() == [10, 13])
    }

    @Test func missedProcessesAreAdoptedOnceAndNeverAgain() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        #expect(
            tree.adopt(pid: 13, parentPid: 10, startedNs: 100_000_000, observed: .running(threads: [13]))
                == [.started(pid: 13, parentPid: 10, monotonicNs: 100_000_000)])
        #expect(tree.adopt(pid: 14, parentPid: 99, startedNs: 8, observed: .running(threads: [14])).isEmpty)
        // A zombie found later: adopted with its end, then never again while it lingers in /proc.
        let zombie = tree.adopt(pid: 15, parentPid: 10, startedNs: 200_000_000, observed: .exited(.exited(1)))
        #expect(zombie.count == 2)
        #expect(tree.adopt(pid: 15, parentPid: 10, startedNs: 210_000_000, observed: .exited(.exited(1))).isEmpty)
        // The same pid much later is another process.
        #expect(tree.adopt(pid: 15, parentPid: 10, startedNs: 900_000_000, observed: .running(threads: [15])).count == 1)
    }

    @Test func aForkMessageReadAfterItsProcessWasRecoveredAddsNothing() {
        var tree = ProcessTree(rootPid: 10, parentPid: 1, startedNs: 0)
        _ = tree.adopt(pid: 15, parentPid: 10, startedNs: 200_000_000, observed: .exited(.exited(1)))
        // The queued fork message, older than the /proc scan, arrives now.
        #expect(tree.apply(fork(10, 15, at: 204_000_000)).isEmpty)
        #expect(tree.finished.count == 1)
        #expect(tree.live.keys.sorted() == [10])
    }
}
