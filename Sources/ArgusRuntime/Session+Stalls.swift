import ArgusCore
import ArgusStore

/// The stall ring and detector, attached to the root of any scope.
extension Session {
    func checkStalls() {
        guard let stallMonitor, let root = table.root, root.end == nil else { return }
        let silence = settings.logfiles.isEmpty ? nil : lastLogLineNs
        submitStallRecords(stallMonitor.tick(clock: clock, processName: root.name, lastLogLineNs: silence))
    }

    /// Stall rows are committed at once; fine samples and snapshots go with the next batch.
    func submitStallRecords(_ records: [Record]) {
        guard !records.isEmpty else { return }
        let urgent = records.contains {
            if case .stall = $0 { return true }
            if case .stallEnd = $0 { return true }
            return false
        }
        submit(records, urgent: urgent)
    }

    /// Ends open stalls when the session ends.
    func finishStalls() {
        guard let stallMonitor else { return }
        let rootEnded = table.root?.end != nil
        submitStallRecords(
            stallMonitor.finish(
                clock: clock, processName: table.root?.name ?? "", reason: rootEnded ? "process ended" : "watching stopped",
                processAlive: !rootEnded))
        try? stallTimer.disarm()
    }
}
