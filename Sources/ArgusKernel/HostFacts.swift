import Glibc

/// Facts about this machine recorded with each session.
public enum HostFacts {
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The kernel release (uname -r).
    public static func kernelRelease() -> String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: names.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// /proc/sys/kernel/random/boot_id: with a pid and its start time, names a process uniquely.
    public static func bootID() -> String {
        (ProcFS.read("/proc/sys/kernel/random/boot_id") ?? "unknown").filter { $0 != "\n" }
    }

    public static var isRoot: Bool { geteuid() == 0 }
}
