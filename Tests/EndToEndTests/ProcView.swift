import Foundation

/// What /proc says about processes other than the test's own children: parents, names, states.
enum ProcView {
    /// The text of a /proc file, read to its end (their size shows as 0), or nil once it is gone.
    static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The state letter and parent pid from /proc/PID/stat (fields 3 and 4, after the name in
    /// parentheses, which may itself hold spaces and parentheses).
    static func stat(_ pid: Int32) -> (state: Character, parent: Int32)? {
        guard let text = read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let state = fields[0].first, let parent = Int32(fields[1]) else { return nil }
        return (state, parent)
    }

    static func parent(of pid: Int32) -> Int32? { stat(pid)?.parent }

    /// True while the process exists and is not a zombie waiting for its parent.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let state = stat(pid)?.state else { return false }
        return state != "Z" && state != "X"
    }

    /// Live processes whose parent is `pid`, in pid order.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let info = stat(child) else { return false }
            return info.parent == pid && info.state != "Z" && info.state != "X"
        }.sorted()
    }

    /// The command line with NULs as spaces: servers retitle their processes there
    /// ("nginx: worker process", "postgres: checkpointer").
    static func commandLine(of pid: Int32) -> String {
        let raw = read("/proc/\(pid)/cmdline") ?? ""
        return raw.split(separator: "\0").joined(separator: " ")
    }

    /// The process's comm (its name, cut to 15 bytes by the kernel).
    static func comm(_ pid: Int32) -> String? {
        read("/proc/\(pid)/comm").map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
    }
}
