import ArgusCore
import ArgusKernel
import Foundation
import Testing

@testable import ArgusRuntime

/// The real session and attached scope, fed scripted proc connector events about a real child
/// (its pidfd and /proc are real): no root needed.
@Suite struct AttachedSessionTests {
    func session(
        _ target: WatchOptions.Target, maxRestarts: Int? = nil, events: ScriptedEvents, sink: MemorySink
    ) -> Session {
        let options = WatchOptions(
            target: target, recording: quietSettings, stalls: noStalls, followRestarts: maxRestarts != nil,
            maxRestarts: maxRestarts)
        return Session(
            scope: WatchScope(options: options), settings: quietSettings, stalls: noStalls,
            procEvents: events, sinks: [sink])
    }

    func exitEvent(_ pid: Int32, _ status: WaitStatus) -> ProcEvent {
        ProcEvent(monotonicNs: 1, kind: .exit(pid: pid, tgid: pid, status: status, parentTgid: 1))
    }

    @Test func theExitMessageGivesTheStatusOnceThePidfdConfirms() throws {
        let child = try SleepingChild()
        defer { child.reap() }
        let events = try ScriptedEvents()
        let sink = MemorySink()
        let watching = session(.pid(child.pid), events: events, sink: sink)
        watching.statusGraceNs = 10_000_000_000  // the test's message may come after the pidfd
        let running = RunningSession(watching)
        #expect(eventually { !sink.events(.monitoringStarted).isEmpty })
        // The process is killed, and the message says exit 7: the message is what counts.
        child.kill(SIGTERM)
        #expect(eventually { ProcessReader.stat(child.pid)?.state == "Z" })
        events.push([exitEvent(child.pid, .exited(7))])
        #expect(running.exitStatus() == ExitStatus.success)
        let terminated = sink.events(.terminated)
        #expect(terminated.map(\.exitCode) == [7])
        #expect(terminated.first?.source == "proc_connector")
        #expect(terminated.first?.startTicks != nil)
        #expect(sink.events(.monitoringStopped).first?.detail == "target exited")
    }

    @Test func withoutTheExitMessageTheZombieGivesTheStatus() throws {
        let child = try SleepingChild()
        defer { child.reap() }
        let events = try ScriptedEvents()
        let sink = MemorySink()
        let running = RunningSession(session(.pid(child.pid), events: events, sink: sink))
        #expect(eventually { !sink.events(.monitoringStarted).isEmpty })
        child.kill(SIGKILL)
        #expect(running.exitStatus() == ExitStatus.success)
        let terminated = sink.events(.terminated)
        #expect(terminated.map(\.exitCode) == [137])
        #expect(terminated.first?.signal == 9)
        #expect(terminated.first?.source == "proc_stat")
    }

    @Test func waitAttachesTheFirstExecOfTheNameInTheSameLoop() throws {
        let name = "argus-wait-" + UUID().uuidString.prefix(6).lowercased()
        let events = try ScriptedEvents()
        let sink = MemorySink()
        let running = RunningSession(session(.name(name, wait: true), events: events, sink: sink))
        // An exec of something else is looked at and passed over.
        let other = try SleepingChild()
        defer {
            other.kill(SIGKILL)
            other.reap()
        }
        events.push([ProcEvent(monotonicNs: 1, kind: .exec(pid: other.pid, tgid: other.pid))])
        // Drained: the loop runs, so the start-up scan is over and the match can only be seen
        // through its exec.
        #expect(eventually { events.eventsReceived == 1 })
        let child = try SleepingChild(named: name)
        defer { child.reap() }
        events.push([ProcEvent(monotonicNs: 2, kind: .exec(pid: child.pid, tgid: child.pid))])
        #expect(eventually { !sink.events(.monitoringStarted).isEmpty })
        #expect(sink.events(.started).first?.detail == "seen by --wait")
        #expect(sink.events(.started).first?.pid == child.pid)
        child.kill(SIGTERM)
        #expect(running.exitStatus() == ExitStatus.success)
        #expect(sink.events(.terminated).map(\.pid) == [child.pid])
        #expect(sink.events(.terminated).map(\.exitCode) == [143])
    }

    /// The next incarnation of a name can exec before the last one's exit is read: in the same
    /// batch of events, or in an earlier one (its supervisor started it early). Either way its
    /// exec came while the name was not awaited, and the restart is still followed, from the
    /// time of that exec.
    @Test(arguments: [true, false])
    func aRestartWhoseExecCameWithOrBeforeTheLastExitIsFollowed(sameBatch: Bool) throws {
        let name = "argus-again-" + UUID().uuidString.prefix(6).lowercased()
        let first = try SleepingChild(named: name)
        defer { first.reap() }
        let events = try ScriptedEvents()
        let sink = MemorySink()
        let running = RunningSession(session(.name(name, wait: false), maxRestarts: 1, events: events, sink: sink))
        #expect(eventually { sink.events(.monitoringStarted).first?.pid == first.pid })
        let second = try SleepingChild(named: name)
        defer { second.reap() }
        let secondExec = ProcEvent(monotonicNs: Clocks.monotonicNs(), kind: .exec(pid: second.pid, tgid: second.pid))
        if !sameBatch {
            events.push([secondExec])
            #expect(eventually { events.eventsReceived == 1 })
        }
        let killedAt = Clocks.realtimeNs()
        first.kill(SIGTERM)
        #expect(eventually { ProcessReader.stat(first.pid)?.state == "Z" })
        events.push([exitEvent(first.pid, .signaled(15))] + (sameBatch ? [secondExec] : []))
        #expect(eventually { sink.events(.restarted).map(\.pid) == [second.pid] })
        // Stamped with its exec, not with when it was attached (after the first was killed).
        let restartedAt = try #require(sink.events(.restarted).first?.time.nanoseconds)
        #expect(restartedAt < killedAt)
        second.kill(SIGTERM)
        #expect(eventually { ProcessReader.stat(second.pid)?.state == "Z" })
        events.push([exitEvent(second.pid, .signaled(15))])
        #expect(running.exitStatus() == ExitStatus.success)
        #expect(sink.events(.terminated).map(\.pid) == [first.pid, second.pid])
    }

    @Test func anOverflowIsCountedAndTheEndStillSettles() throws {
        let child = try SleepingChild()
        defer { child.reap() }
        let events = try ScriptedEvents()
        let sink = MemorySink()
        let watching = session(.pid(child.pid), events: events, sink: sink)
        watching.statusGraceNs = 10_000_000_000
        let running = RunningSession(watching)
        #expect(eventually { !sink.events(.monitoringStarted).isEmpty })
        events.push([], overflow: true)
        child.kill(SIGTERM)
        #expect(eventually { ProcessReader.stat(child.pid)?.state == "Z" })
        events.push([exitEvent(child.pid, .exited(4))])
        #expect(running.exitStatus() == ExitStatus.success)
        #expect(sink.events(.terminated).map(\.exitCode) == [4])
        let overflows = sink.records.compactMap { record -> Int? in
            if case .session(let update) = record { return update.eventOverflows } else { return nil }
        }
        #expect(overflows == [1])
    }

    @Test func aMissingProcessIsRefusedWithStatusOne() throws {
        let events = try ScriptedEvents()
        let sink = MemorySink()
        let running = RunningSession(
            session(.name("argus-no-such-" + UUID().uuidString, wait: false), events: events, sink: sink))
        #expect(running.exitStatus() == ExitStatus.targetNotFound)
        #expect(sink.events.isEmpty)
    }
}
