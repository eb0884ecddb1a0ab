import ArgusCore

/// One `sessions` row as `argus-trace sessions` and `report` read it back, with how many rows
/// of each kind it holds. Columns newer than the file's schema read as nil.
public struct RecordedSession: Sendable, Equatable {
    public var id: Int64
    public var startedAt: String
    public var startedNs: Int64
    public var endedAt: String?
    /// nil while it is recorded (or when its recorder was killed before it could say).
    public var endedNs: Int64?
    public var mode: String
    /// argus-trace's own command line (a JSON array in the row).
    public var arguments: [String]
    public var version: String
    public var kernel: String?
    public var hostname: String?
    public var appName: String?
    public var targetPid: Int64?
    public var targetName: String?
    public var eventOverflows: Int64?
    public var endReason: String?
    public var bpfEventsLost: Int64?
    public var rowsUnsaved: Int64?
    public var restarts: Int64?
    /// The watched process's (watch) or the command's (run) end, when recorded.
    public var targetStatus: WaitStatus?
    public var counts = Counts()
    /// The latest stamp of any of its samples, events or log lines: where a session still being
    /// recorded has got to.
    public var lastRowNs: Int64?

    public struct Counts: Sendable, Equatable {
        public var samples: Int64 = 0
        public var processes: Int64 = 0
        public var logLines: Int64 = 0
        public var stalls: Int64 = 0
    }

    /// The command of a `run` (what follows `--`), else the target's name, else the arguments.
    public var commandOrTarget: String {
        if mode == "run", let dashes = arguments.firstIndex(of: "--") {
            return arguments[(dashes + 1)...].joined(separator: " ")
        }
        if let targetName { return targetPid.map { "\(targetName) (\($0))" } ?? targetName }
        return arguments.dropFirst().joined(separator: " ")
    }

    /// When it ended, or how far its rows go while it is still recorded.
    public var endNs: Int64 { endedNs ?? max(lastRowNs ?? startedNs, startedNs) }

    public var durationNs: Int64 {
        let (duration, overflow) = endNs.subtractingReportingOverflow(startedNs)
        return overflow ? 0 : max(duration, 0)
    }
}
