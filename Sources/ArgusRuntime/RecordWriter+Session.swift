import ArgusCore
import ArgusKernel
import ArgusStore

extension RecordWriter {
    /// Ends the session row (end time, events seen, overflows, reason), writes everything still
    /// queued, stops the writer, and says how many rows could not be saved. Watch and run end so.
    func closeSession(
        at stoppedAt: WallTime, reason: String, connector: ProcConnector?, databasePath: String, console: Console
    ) -> WriterReport {
        submit(
            .session(
                SessionUpdate(
                    endedAt: stoppedAt, eventsSeen: connector?.eventsReceived, eventOverflows: connector?.overflows,
                    endReason: reason)),
            urgent: true)
        let report = close()
        if report.unsaved > 0 {
            console.warning(
                "\(report.unsaved) row(s) could not be saved to \(databasePath): \(report.lastError ?? "unknown error")")
        }
        return report
    }
}
