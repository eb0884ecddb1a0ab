import ArgusCore
import ArgusKernel
import ArgusStore

/// The stall ring and detector, attached to the root of any scope.
extension Session {
    /// Members join the stall ring once they have lived this long: a stall takes a second to
    /// declare, and a build's thousands of short compiler runs should cost nothing.
    static let stallMemberMinAgeNs: UInt64 = 500_000_000

    /// One tick of the stall ring; `early` when the sample tick takes it (takeQuietStallTickIfDue),
    /// with the rows that tick read.
    func checkStalls(early: Bool = false, sampled rows: [MetricRecord] = []) {
        guard let stallMonitor, !table.live.isEmpty else { return }
        let now = Clocks.monotonicNs()
        for (pid, member) in table.live where !stallMonitor.contains(pid) {
            guard now - min(now, member.startedNs) >= Self.stallMemberMinAgeNs else { continue }
            stallMonitor.add(pid, startTicks: startTicks(of: member), name: member.name)
        }
        for pid in stallMonitor.memberPids where table.live[pid] == nil { stallMonitor.remove(pid) }
        let silence = settings.logfiles.isEmpty ? nil : lastLogLineNs
        submitStallRecords(stallMonitor.tick(clock: clock, lastLogLineNs: silence, early: early, sampled: rows))
        let tickNs = stallMonitor.tickIntervalNs
        if tickNs != stallTickNs || (stallTimerCarried && !stallMonitor.isQuiet) { armStallTimer(everyNs: tickNs) }
    }

    /// While the ring is quiet it ticks once a second. A sample tick at least half a second
    /// after the ring's last full sample takes the next one with it. When sample ticks come at
    /// least once a second, they alone carry the quiet ring: its timer is disarmed until the
    /// ring leaves the quiet (checkStalls arms it then), so an idle watch at 1 s wakes once a
    /// second, not twice, and re-arms no timer. Slower sample ticks restart the ring's second
    /// from now (which drops an expiry already pending), so the two tick together from then on.
    /// `rows`: what the sample tick just read; a single-threaded member's state in them spares
    /// the ring reading that member's files again while it rests (StallMonitor.restate).
    func takeQuietStallTickIfDue(_ rows: [MetricRecord]) {
        guard let stallMonitor, !table.live.isEmpty, stallMonitor.quietSampleDue(at: Clocks.monotonicNs()) else {
            return  // no members (between incarnations): the ring's timer stays as finishStalls left it
        }
        checkStalls(early: true, sampled: rows)
        if stallMonitor.quietRingCarried(bySampleTicksEvery: settings.intervalNs) {
            guard !stallTimerCarried else { return }
            try? stallTimer.disarm()
            stallTimerCarried = true
        } else {
            armStallTimer(everyNs: stallTickNs)
        }
    }

    /// Ticks the stall ring every `everyNs`, the first tick `everyNs` from now (at once for a
    /// new root).
    func armStallTimer(everyNs: UInt64, firstNs: UInt64? = nil) {
        stallTickNs = everyNs
        stallTimerCarried = false
        try? stallTimer.arm(firstNs: firstNs ?? everyNs, intervalNs: everyNs)
    }

    /// The stall ring of the scope, started with its root.
    func startStalls(root member: ProcessTable.Member) {
        guard stallSettings.enabled else { return }
        if let stallMonitor {
            // A new incarnation: the same ring and numbering, a new root.
            stallMonitor.setRoot(member.pid, startTicks: startTicks(of: member), name: member.name)
            armStallTimer(everyNs: stallSettings.sampleIntervalNs, firstNs: 1)
            return
        }
        stallMonitor = StallMonitor(
            root: member.pid, appName: appName, startTicks: startTicks(of: member), name: member.name,
            settings: stallSettings, console: console, background: background,
            deliver: { [unowned self] records in submitStallRecords(records) })
        armStallTimer(everyNs: stallSettings.sampleIntervalNs, firstNs: 1)
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
                clock: clock, reason: rootEnded ? "process ended" : "watching stopped", processAlive: !rootEnded))
        try? stallTimer.disarm()
        stallTimerCarried = false
    }
}
