import ArgusKernel

/// Everything `argus-trace --pid/--process` was asked to do, after validation.
public struct WatchOptions: Sendable {
    public enum Target: Sendable, Equatable {
        case pid(Int32)
        case name(String, wait: Bool)
    }

    public var target: Target
    public var recording: RecordingSettings
    public var stalls: StallSettings

    public init(target: Target, recording: RecordingSettings, stalls: StallSettings = StallSettings()) {
        self.target = target
        self.recording = recording
        self.stalls = stalls
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
