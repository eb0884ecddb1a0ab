/// The labels of one exported series: the app, the process name (comm), and the pid only when
/// asked for (`--metrics-pid-label`; pids churn, so by default there is none).
public struct SeriesLabels: Sendable, Hashable, Comparable {
    public var app: String
    public var name: String
    public var pid: Int32?

    public init(app: String, name: String, pid: Int32? = nil) {
        self.app = app
        self.name = name
        self.pid = pid
    }

    /// The same series without its pid: where an ended process's counters are kept.
    var withoutPid: SeriesLabels { SeriesLabels(app: app, name: name) }

    public static func < (lhs: SeriesLabels, rhs: SeriesLabels) -> Bool {
        (lhs.app, lhs.name, lhs.pid ?? -1) < (rhs.app, rhs.name, rhs.pid ?? -1)
    }
}
