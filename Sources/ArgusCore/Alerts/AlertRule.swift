/// One alert rule as the user wrote it (`--alert`, `--alert-cpu`, `--alert-memory`, or the
/// config file's `alert` list), parsed: what it watches and when it holds.
///
/// Metric names: `cpu` (percent, 100 = one CPU), `rss` or `memory` (MB, as memory_mb), `threads`
/// and `processes` are the watched whole: the group's totals (`group_samples`) when a tree,
/// cgroup or unit is watched or in `run`, the process itself with `--pid`/`--process` alone.
/// `proc.cpu`, `proc.rss` (`proc.memory`) and `proc.threads` hold per member: each process
/// fires and clears on its own.
public struct AlertRule: Sendable, Equatable {
    public enum Condition: Sendable, Equatable {
        /// A sampled metric compared with a threshold, holding for at least `forNs` (0: at once).
        case metric(AlertMetric, AlertComparison, Double, forNs: UInt64)
        /// A member ended with an exit code (128 + signal for a signal) that compares so.
        case exit(AlertComparison, Int)
        /// A stall of any kind, or of one kind.
        case stall(StallKind?)
        /// A followed log line matches the pattern (Swift Regex syntax).
        case log(pattern: String)
        /// The watched service restarted so many times, within the last `withinNs` (nil: ever).
        case restarts(AlertComparison, Int, withinNs: UInt64?)
    }

    /// The rule as written.
    public let text: String
    public let condition: Condition

    public init(text: String, condition: Condition) {
        self.text = text
        self.condition = condition
    }

    /// Whether it fires once per occurrence (an exit, a log line) and has no state to clear.
    public var isInstant: Bool {
        switch condition {
        case .exit, .log: true
        case .metric, .stall, .restarts: false
        }
    }
}

/// A sampled metric a rule can compare.
public enum AlertMetric: String, Sendable, CaseIterable {
    case cpu, rss, threads, processes
    case processCPU = "proc.cpu"
    case processRSS = "proc.rss"
    case processThreads = "proc.threads"

    /// `memory` and `proc.memory` are other names for the RSS metrics.
    static func named(_ name: String) -> AlertMetric? {
        switch name {
        case "memory": .rss
        case "proc.memory": .processRSS
        default: AlertMetric(rawValue: name)
        }
    }

    /// Whether each member is compared on its own (else the watched whole).
    public var isPerProcess: Bool {
        switch self {
        case .processCPU, .processRSS, .processThreads: true
        case .cpu, .rss, .threads, .processes: false
        }
    }

    /// The value as the console shows it: "93.2%", "512.0MB", "12".
    func describe(_ value: Double) -> String {
        switch self {
        case .cpu, .processCPU: "\(AlertNumber.text(value))%"
        case .rss, .processRSS: "\(AlertNumber.text(value))MB"
        case .threads, .processes, .processThreads: "\(Int(value))"
        }
    }
}

/// `>`, `>=`, `<`, `<=`, `==`, `!=`.
public enum AlertComparison: String, Sendable, CaseIterable {
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="
    case equal = "=="
    case notEqual = "!="

    public func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .greater: value > threshold
        case .greaterOrEqual: value >= threshold
        case .less: value < threshold
        case .lessOrEqual: value <= threshold
        case .equal: value == threshold
        case .notEqual: value != threshold
        }
    }
}

/// Numbers in alert lines: one decimal, or none when whole.
enum AlertNumber {
    static func text(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        guard tenths.isFinite, abs(tenths) < 9e15 else { return "\(value)" }
        return tenths == tenths.rounded() ? "\(Int(tenths))" : "\(tenths)"
    }
}
