import ArgusCore
import ArgusKernel
import ArgusStore

/// The rows a session writes about its members: one builder for every mode.
extension Session {
    /// The generation rows carry: only when a service is watched across restarts.
    var recordedGeneration: Int? { scope.followsRestarts ? generation : nil }

    /// The member's start time in clock ticks: read at attach, else from its fork's stamp.
    func startTicks(of member: ProcessTable.Member) -> UInt64 {
        member.startTicks
            ?? Clocks.startTicks(ofMonotonicNs: member.startedNs, ticksPerSecond: ProcessReader.ticksPerSecond)
    }

    func event(
        _ type: ProcessEventType, of member: ProcessTable.Member, at time: WallTime, parentPid: Int32? = nil,
        detail: String? = nil
    ) -> Record {
        .event(
            ProcessEventRecord(
                time: time, appName: appName, processName: member.name, pid: member.pid, type: type,
                parentPid: parentPid, startTicks: startTicks(of: member), detail: detail, generation: recordedGeneration
            ))
    }

    /// A session-level event (monitoring stopped) about the root, or about no process yet.
    func sessionEvent(_ type: ProcessEventType, at time: WallTime, detail: String?) -> Record {
        if let root = table.root { return event(type, of: root, at: time, detail: detail) }
        return .event(
            ProcessEventRecord(time: time, appName: appName, processName: "", pid: 0, type: type, detail: detail))
    }

    /// How a member ended, with the exit probe's status beside it when the probe saw it.
    func terminated(
        _ member: ProcessTable.Member, _ end: ProcessEnd, probed: WaitStatus? = nil, detail: String? = nil
    ) -> Record {
        let status = end.status
        return .event(
            ProcessEventRecord(
                time: clock.wallTime(monotonicNs: end.monotonicNs), appName: appName, processName: member.name,
                pid: member.pid, type: .terminated, exitCode: status?.shellCode, signal: status?.signal,
                coreDumped: status.map(\.coreDumped), parentPid: member.parentPid, startTicks: startTicks(of: member),
                source: end.source,
                detail: detail ?? status?.description ?? "exit status unknown (messages were lost)",
                bpfExitCode: probed?.shellCode, generation: recordedGeneration))
    }

    /// The member's `processes` row (at its end, or when the session ends with it running).
    func processRecord(_ member: ProcessTable.Member) -> ProcessRecord {
        ProcessRecord(
            pid: member.pid, parentPid: member.parentPid, comm: member.name, exe: member.command.exe,
            argv: member.command.argv, started: clock.wallTime(monotonicNs: member.startedNs),
            ended: member.end.map { clock.wallTime(monotonicNs: $0.monotonicNs) }, status: member.end?.status,
            statusSource: member.end?.source, execs: member.execs, generation: recordedGeneration)
    }
}
