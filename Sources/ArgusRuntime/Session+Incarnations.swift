import ArgusCore
import ArgusKernel
import ArgusStore

/// Members that join or leave a group without a fork or an exit, and a service's incarnations.
extension Session {
    /// A process joined the running session from outside (moved into the watched cgroup).
    func memberJoined(_ pid: Int32, detail: String) {
        guard let member = table.live[pid] else { return }
        startedSinceGroupRow += 1
        submit(event(.started, of: member, at: WallTime(nanoseconds: Clocks.realtimeNs()), detail: detail))
        console.detail("Process \(pid) (\(member.name)) joined: \(detail)")
    }

    /// A member left without ending: it is no longer followed, and its row says why.
    func release(_ pid: Int32, reason: String) {
        guard let member = table.release(pid) else { return }
        endedSinceGroupRow += 1
        samplers[pid] = nil
        awaitingStatus.remove(pid)
        if let handle = pidfds.removeValue(forKey: pid) { try? epoll.unwatch(handle.descriptor.rawValue) }
        kernelCounters?.forget(pid)
        var row = processRecord(member)
        row.statusSource = "released"
        submit(.process(row))
        console.detail("Process \(pid) (\(member.name)) left: \(reason)")
    }

    /// The service ended and its next incarnation is awaited: open stalls end with it.
    func endIncarnation() {
        finishStalls()  // the monitor stays: stall numbers go on across incarnations
        pendingFirstSample = nil
    }

    /// The rows that say the service is back: a `restarted` event of its new root, and its first
    /// sample.
    func recordRestart(at time: WallTime, started: UInt64?) {
        guard let root = table.root else { return }
        let when = started.map { clock.wallTime(monotonicNs: $0) } ?? time
        submit(event(.restarted, of: root, at: when, detail: "generation \(generation)"), urgent: true)
        submit(.session(SessionUpdate(restarts: generation - 1)))
        recordFirstSample(of: root)
    }

    /// The stall number of a run's timeout (the detector numbers its own stalls from 1).
    static let timeoutStallID = 0

    /// The tree as the run's timeout found it: a `timeout` stall with the capture as its
    /// snapshot, so `argus-trace stalls ID` shows it.
    func recordTimeout(_ timeout: RunTimeout) {
        if let note = timeout.note { console.warning("timeout capture: \(note)") }
        guard let root = table.root ?? table.live.values.min(by: { $0.startedNs < $1.startedNs }) else { return }
        let seconds = Double(timeout.afterNs) / 1e9
        let running = timeout.capture.processes.filter { $0.captureError == nil }.count
        let stall = StallRecord(
            id: Self.timeoutStallID, kind: .timeout, pid: root.pid, startTicks: startTicks(of: root), appName: appName,
            processName: root.name, started: timeout.at, detected: timeout.at, tid: nil,
            trigger: "--timeout \(Format.duration(timeout.afterNs)) passed with \(running) process(es) running",
            threshold: seconds, value: seconds, windowNs: 0)
        submit([.stall(stall), .stallSnapshot(timeout.capture.snapshot(stallID: Self.timeoutStallID))], urgent: true)
    }

    /// The tree the timeout stopped is gone (or no longer waited for).
    func endTimeoutStall(started: WallTime, afterNs: UInt64, reason: String) {
        let now = WallTime(nanoseconds: Clocks.realtimeNs())
        let duration = UInt64(max(now.nanoseconds - started.nanoseconds, 0))
        submit(
            .stallEnd(
                StallEndRecord(
                    id: Self.timeoutStallID, ended: now, durationNs: duration, reason: reason,
                    peakValue: Double(afterNs) / 1e9, peakAt: started,
                    checkpoints: 0)), urgent: true)
    }
}
