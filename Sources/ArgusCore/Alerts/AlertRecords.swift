/// An alert firing: written when its rule starts to hold, completed by an `AlertClearRecord`
/// when it stops. `id` is the alert's number within its session (the evaluator's, from 1); the
/// store keeps it beside the row so the clearing finds it.
public struct AlertRecord: Sendable, Equatable {
    public var id: Int
    /// The rule as written, and its place among the session's rules (0-based).
    public var rule: String
    public var ruleIndex: Int
    public var appName: String
    public var fired: WallTime
    /// The value that made it hold: the metric, the exit code, the stall's value, the count of
    /// restarts; nil for a log line.
    public var value: Double?
    /// The process it is about, when it is about one (a per-process metric, an exit, a stall).
    public var pid: Int32?
    public var processName: String?
    /// What happened, in one line: "cpu 93.2% > 80 for 30s", the log line, the stall's trigger.
    public var detail: String
    /// Fires once per occurrence (an exit, a log line): no state to clear, so its row is
    /// cleared at the instant it fired.
    public var isInstant: Bool

    public init(
        id: Int, rule: String, ruleIndex: Int, appName: String, fired: WallTime, value: Double?, pid: Int32?,
        processName: String?, detail: String, isInstant: Bool
    ) {
        self.id = id
        self.rule = rule
        self.ruleIndex = ruleIndex
        self.appName = appName
        self.fired = fired
        self.value = value
        self.pid = pid
        self.processName = processName
        self.detail = detail
        self.isInstant = isInstant
    }
}

/// A firing alert stopped holding (or the process it was about ended, or watching stopped).
public struct AlertClearRecord: Sendable, Equatable {
    public var id: Int
    public var rule: String
    public var cleared: WallTime
    /// The value when it cleared, when there is one.
    public var value: Double?
    /// "recovered", "process ended", "stall ended", "watching stopped".
    public var reason: String

    public init(id: Int, rule: String, cleared: WallTime, value: Double?, reason: String) {
        self.id = id
        self.rule = rule
        self.cleared = cleared
        self.value = value
        self.reason = reason
    }
}
