import ArgusCore
import ArgusKernel

/// When the kernel drops proc connector messages: say so, then mend from wait statuses, the
/// exit probe and /proc what can be mended. The /proc reading runs on a worker thread (it may
/// scan the whole machine); its answer is applied on the loop.
extension Session {
    func recoverFromOverflow() {
        if !overflowWarned {
            console.warning(
                "the kernel dropped proc connector messages (ENOBUFS); exits are recovered from wait statuses, the "
                    + "exit probe and /proc, and those that cannot be are recorded with an unknown status")
            overflowWarned = true
        }
        reapChildren()
        switch resync {
        case .idle: startResync()
        case .running, .again: resync = .again
        }
    }

    private func startResync() {
        resync = .running
        let members = table.live.values.map { (pid: $0.pid, startedNs: $0.startedNs) }
        let known = Set(table.live.keys)
        let scanForChildren = table.followsChildren
        background.run(
            {
                Self.readProc(members: members, known: known, scanForChildren: scanForChildren)
            },
            then: { [self] reading in
                applyResync(reading)
            })
    }

    /// What /proc says of the members, and the members' children it shows that the table lacks.
    struct ProcReading: Sendable {
        var observations: [ProcessTable.Observation]
        var strangers: [(pid: Int32, parentPid: Int32, startedNs: UInt64, observed: ProcessTable.Observed)]
    }

    private static func readProc(
        members: [(pid: Int32, startedNs: UInt64)], known: Set<Int32>, scanForChildren: Bool
    ) -> ProcReading {
        let observations = members.map {
            ProcessTable.Observation(
                pid: $0.pid, startedNs: $0.startedNs, observed: observe($0.pid, startedNs: $0.startedNs))
        }
        var strangers: [(Int32, Int32, UInt64, ProcessTable.Observed)] = []
        if scanForChildren {
            for pid in ProcFS.processIDs() where !known.contains(pid) {
                guard let stat = ProcessReader.stat(pid), known.contains(stat.ppid) else { continue }
                let started = procStart(stat)
                strangers.append((pid, stat.ppid, started, observe(pid, startedNs: started)))
            }
        }
        return ProcReading(observations: observations, strangers: strangers)
    }

    private func applyResync(_ reading: ProcReading) {
        kernelCounters?.collect()
        let probed = kernelCounters?.exits ?? [:]
        let observations = reading.observations.map { observation -> ProcessTable.Observation in
            // Gone from /proc: the exit probe may still have seen how it ended.
            guard observation.observed == .gone, let exit = probed[observation.pid],
                exit.monotonicNs >= observation.startedNs
            else { return observation }
            return ProcessTable.Observation(
                pid: observation.pid, startedNs: observation.startedNs, observed: .probed(exit.status))
        }
        apply(table.resync(observations, monotonicNs: Clocks.monotonicNs()))
        for stranger in reading.strangers.sorted(by: { $0.startedNs < $1.startedNs }) {
            apply(
                table.adopt(
                    pid: stranger.pid, parentPid: stranger.parentPid, startedNs: stranger.startedNs,
                    observed: stranger.observed))
        }
        let again = resync == .again
        resync = .idle
        if again { startResync() }
    }

    /// What /proc says of the process that started at `startedNs` under `pid`.
    static func observe(_ pid: Int32, startedNs: UInt64) -> ProcessTable.Observed {
        guard let stat = ProcessReader.stat(pid) else { return .gone }
        let started = procStart(stat)
        guard max(started, startedNs) - min(started, startedNs) < ProcessTable.startTolerance else { return .gone }
        let threads = ProcessReader.liveThreadIDs(pid)
        if stat.state == "Z" && threads.isEmpty { return .exited(stat.exitCode.map { WaitStatus(raw: $0) }) }
        return .running(threads: threads)
    }

    static func procStart(_ stat: ProcStat) -> UInt64 {
        Clocks.monotonicNs(ofStartTicks: stat.startTicks, ticksPerSecond: ProcessReader.ticksPerSecond)
    }
}
