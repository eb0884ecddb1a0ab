/// Which running process `--process NAME` means.
public struct ProcessCandidate: Sendable, Equatable {
    public var pid: Int32
    public var startTicks: UInt64
    public var comm: String
    public var exePath: String?
    public var argv0: String?

    public init(pid: Int32, startTicks: UInt64, comm: String, exePath: String?, argv0: String?) {
        self.pid = pid
        self.startTicks = startTicks
        self.comm = comm
        self.exePath = exePath
        self.argv0 = argv0
    }

    /// True when NAME is the comm, the executable's basename or argv[0]'s basename. The comm is
    /// cut to 15 bytes by the kernel, so a longer NAME matches a comm that is its prefix.
    public func matches(_ name: String) -> Bool {
        if comm == name { return true }
        if name.utf8.count > 15, comm.utf8.count == 15, name.utf8.starts(with: comm.utf8) { return true }
        if let exePath, basename(exePath) == name { return true }
        if let argv0, !argv0.isEmpty, basename(argv0) == name { return true }
        return false
    }

    private func basename(_ path: String) -> String {
        let trimmed = path.hasSuffix(" (deleted)") ? String(path.dropLast(10)) : path
        return trimmed.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? trimmed
    }
}

public enum ProcessMatch {
    /// The matching processes, newest (latest start, then highest pid) first.
    public static func matching(_ name: String, in candidates: [ProcessCandidate]) -> [ProcessCandidate] {
        candidates.filter { $0.matches(name) }.sorted {
            ($0.startTicks, $0.pid) > ($1.startTicks, $1.pid)
        }
    }
}
