import Glibc

/// Reads of /proc with plain open/read: small, allocation-light, and no Foundation.
public enum ProcFS {
    /// The whole file as text, or nil when it cannot be read (gone, or not permitted).
    public static func read(_ path: String) -> String? {
        bytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The whole file as bytes. Most /proc files fit the first 4 KiB read.
    public static func bytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result = [UInt8](repeating: 0, count: 4096)
        var filled = 0
        while true {
            if filled == result.count { result.append(contentsOf: repeatElement(0, count: result.count)) }
            let read = try? SystemCall.retrying {
                result.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + filled, raw.count - filled) }
            }
            guard let count = read else { return nil }
            if count == 0 {
                result.removeLast(result.count - filled)
                return result
            }
            filled += count
        }
    }

    /// Names in a directory, without "." and "..".
    public static func list(_ path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// readlink(2), e.g. /proc/PID/exe.
    public static func link(_ path: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBytes { raw in
            readlink(path, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count - 1)
        }
        return count < 0 ? nil : String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// The numeric entries of /proc: every process id.
    public static func processIDs() -> [Int32] {
        (list("/proc") ?? []).compactMap { Int32($0) }
    }
}
