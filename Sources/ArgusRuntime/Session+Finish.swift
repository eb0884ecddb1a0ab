import ArgusCore
import ArgusKernel
import ArgusStore

/// The end of every session: what is left is saved, then the scope says the rest.
extension Session {
    /// Saves the last log lines, open stalls, late wait statuses and the members still running,
    /// closes the session row, and lets the scope print its summary and pick the exit status.
    func finish() -> Int32 {
        isEnding = true
        finishStalls()
        if let logTail { record(logTail.finish()) }
        background.settle(timeoutNs: 1_000_000_000)
        reapChildren()
        apply(table.settleUnreaped())
        // After the last exits: an alert they fire still runs its --on-alert program, waited for.
        finishAlerts()
        let stoppedAt = WallTime(nanoseconds: Clocks.realtimeNs())
        for member in table.live.values.sorted(by: { $0.startedNs < $1.startedNs }) {
            submit(.process(processRecord(member)))
        }
        let reason = scope.endReason(self)
        describeEventWakeups()
        submit(sessionEvent(.monitoringStopped, at: stoppedAt, detail: reason))
        let unsaved = closeStore(at: stoppedAt, reason: reason)
        return scope.finish(self, unsavedRows: unsaved, stoppedAt: stoppedAt)
    }

    /// Ends a session that never had a root (the target was not found, the command did not start).
    func closeWithoutRoot(reason: String) {
        _ = closeStore(at: WallTime(nanoseconds: Clocks.realtimeNs()), reason: reason)
    }

    /// Ends the session row (end time, events seen, overflows, reason), writes everything still
    /// queued, stops the writer, and says how many rows could not be saved.
    private func closeStore(at stoppedAt: WallTime, reason: String) -> Int {
        submit(
            .session(
                SessionUpdate(
                    endedAt: stoppedAt, eventsSeen: procEvents?.eventsReceived, eventOverflows: procEvents?.overflows,
                    endReason: reason, bpfEventsLost: kernelCounters.map { Int(clamping: $0.lostEvents) })),
            urgent: true)
        if let lost = kernelCounters?.lostEvents, lost > 0 {
            console.warning(
                "the BPF probes' ring buffers were full \(lost) time(s): those exits or execs were not seen by BPF")
        }
        guard let writer else { return 0 }
        let report = writer.close()
        finishExporters()
        console.detail("Writer: peak backlog \(report.peakBacklogRows) row(s), \(report.peakBacklogBytes >> 10) KiB")
        if report.unsaved > 0 {
            console.warning(
                "\(report.unsaved) row(s) could not be saved to \(settings.databasePath): "
                    + (report.lastError ?? "unknown error"))
        }
        return report.unsaved
    }
}
