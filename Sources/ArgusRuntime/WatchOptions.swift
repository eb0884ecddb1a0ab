import ArgusKernel

/// Everything `argus-trace --pid/--process` was asked to do, after validation.
public struct WatchOptions: Sendable {
    public enum Target: Sendable, Equatable {
        case pid(Int32)
        case name(String, wait: Bool)
        /// A cgroup v2 directory, absolute or relative to the cgroup2 mount.
        case cgroup(String)
        /// A systemd unit, resolved to its cgroup.
        case unit(String)
    }

    public var target: Target
    public var recording: RecordingSettings
    public var stalls: StallSettings
    /// The target and every descendant (--follow-children).
    public var followChildren: Bool
    /// When the service ends, wait for its next incarnation in the same session.
    public var followRestarts: Bool
    /// With followRestarts: end after this many restarts (nil: only on a signal).
    public var maxRestarts: Int?

    public init(
        target: Target, recording: RecordingSettings, stalls: StallSettings = StallSettings(),
        followChildren: Bool = false, followRestarts: Bool = false, maxRestarts: Int? = nil
    ) {
        self.target = target
        self.recording = recording
        self.stalls = stalls
        self.followChildren = followChildren
        self.followRestarts = followRestarts
        self.maxRestarts = maxRestarts
    }

    /// `~/.argus/argus_runtime.db`, as Gaze names it.
    public static func defaultDatabasePath() -> String {
        defaultDatabasePath(home: Environment.value("HOME"))
    }

    public static func defaultDatabasePath(home: String?) -> String {
        let base = (home?.isEmpty == false ? home! : "/root")
        return base + (base.hasSuffix("/") ? "" : "/") + ".argus/argus_runtime.db"
    }
}
