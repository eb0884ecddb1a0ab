import ArgusCore

/// cgroup v2, read through its filesystem: where it is mounted, which processes a group holds,
/// whether it is populated, and which group a process is in.
public enum CgroupFS {
    /// The cgroup2 mount point, from /proc/self/mountinfo (field 5 of the line whose filesystem
    /// type, after the " - " separator, is "cgroup2"); nil when cgroup v2 is not mounted.
    public static func mountPoint() -> String? {
        guard let text = ProcFS.read("/proc/self/mountinfo") else { return nil }
        return mountPoint(inMountinfo: text)
    }

    static func mountPoint(inMountinfo text: String) -> String? {
        for line in text.split(separator: "\n") {
            // Optional fields end with a lone "-"; the filesystem type follows it.
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields.count >= 5 else { continue }
            if fields[dash + 1] == "cgroup2" { return unescape(String(fields[4])) }
        }
        return nil
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (\040).
    private static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
                let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The process ids in the group (cgroup.procs), or nil when the group cannot be read.
    public static func processes(_ group: String) -> [Int32]? {
        ProcFS.read(group + "/cgroup.procs").map { $0.split(separator: "\n").compactMap { Int32($0) } }
    }

    /// Whether any process is in the group or its descendants (cgroup.events "populated"); nil
    /// when the group is gone.
    public static func isPopulated(_ group: String) -> Bool? {
        guard let text = ProcFS.read(group + "/cgroup.events") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("populated ") {
            return line.hasSuffix(" 1")
        }
        return nil
    }

    /// The v2 group of a process, relative to the mount ("0::/a/b" in /proc/PID/cgroup gives
    /// "/a/b"); nil when it is gone.
    public static func group(of pid: Int32) -> String? {
        guard let text = ProcFS.read("/proc/\(pid)/cgroup") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            return String(line.dropFirst(3))
        }
        return nil
    }

    /// Whether systemd runs as the init system (sd_booted(3): /run/systemd/system exists).
    public static var systemdIsInit: Bool { FileSystem.kind(of: "/run/systemd/system") == .directory }
}
