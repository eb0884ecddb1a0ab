import Glibc

/// The open files of each live thread of one process, kept between reads so that a re-read is
/// one pread per file, with no path lookup. /proc/PID/task is listed again only when the kept
/// set may be stale: a kept thread's read failed (it is gone) or the process's thread count
/// differs from the number kept (one is new). The gone are then dropped and only the new opened.
///
/// At most `limit` threads are kept, the lowest ids first. The others are, by `overflow`,
/// skipped (`skipped` counts them) or opened and read at each read without being kept.
final class KeptThreadFiles<Files> {
    enum Overflow: Sendable {
        /// Threads beyond the limit are not read (the stall ring's cap on open files and work).
        case skip
        /// Threads beyond the limit are read by path each time (counters that must add up).
        case readUnkept
    }

    let pid: Int32
    let limit: Int
    let overflow: Overflow
    /// Threads beyond the limit at the last listing that were not read (`skip` only).
    private(set) var skipped = 0
    private var kept: [Int32: Files] = [:]
    /// Threads beyond the limit at the last listing (`readUnkept`), read by path each time.
    private var unkept: [Int32] = []
    private let open: (Int32) -> Files?
    /// /proc/PID/task, kept open and rewound (rewinddir(3)) for each listing.
    private let taskDirectory: OpaquePointer?

    /// `open` opens one thread's files (nil when the thread is gone or cannot be read).
    init(pid: Int32, limit: Int, overflow: Overflow, open: @escaping (Int32) -> Files?) {
        self.pid = pid
        self.limit = limit
        self.overflow = overflow
        self.open = open
        taskDirectory = opendir("/proc/\(pid)/task")
    }

    deinit {
        if let taskDirectory { closedir(taskDirectory) }
    }

    /// Every live thread's reading, lowest id first; empty once the process is gone. `read`
    /// reads one thread (its id, its files; nil: the thread is gone, or a zombie). The process's
    /// thread count comes from `threads` when the caller knows it, else from `threadCount` of
    /// the last reading. The kept files answer alone when every read succeeds and that count is
    /// the number kept; otherwise the task directory is listed and only new threads are opened.
    func read<Reading>(
        threads: Int? = nil, threadCount: (Reading) -> Int? = { _ in nil }, _ read: (Int32, Files) -> Reading?
    ) -> [(tid: Int32, reading: Reading)] {
        var known: [(tid: Int32, reading: Reading)]?
        if !kept.isEmpty, skipped == 0, unkept.isEmpty {
            let readings = readKept(kept.keys.sorted(), read)
            let count = threads ?? readings.last.flatMap { threadCount($0.reading) }
            if readings.count == kept.count && count == kept.count { return readings }
            known = readings
        }
        let listed = listThreads()
        let tids = listed.prefix(limit)
        let wanted = Set(tids)
        kept = kept.filter { wanted.contains($0.key) }
        let fresh = tids.filter { kept[$0] == nil }
        for tid in fresh { kept[tid] = open(tid) }
        switch overflow {
        case .skip:
            skipped = listed.count - tids.count
            unkept = []
        case .readUnkept:
            skipped = 0
            unkept = Array(listed.dropFirst(limit))
        }
        let keptReadings =
            known.map { $0.filter { wanted.contains($0.tid) } + readKept(fresh, read) } ?? readKept(Array(tids), read)
        let unkeptReadings = unkept.compactMap { tid in
            open(tid).flatMap { read(tid, $0) }.map { (tid: tid, reading: $0) }
        }
        return (keptReadings + unkeptReadings).sorted { $0.tid < $1.tid }
    }

    private func readKept<Reading>(
        _ tids: [Int32], _ read: (Int32, Files) -> Reading?
    ) -> [(tid: Int32, reading: Reading)] {
        tids.compactMap { tid in kept[tid].flatMap { read(tid, $0) }.map { (tid: tid, reading: $0) } }
    }

    /// The thread ids listed now, from the numbers' bytes without building strings.
    private func listThreads() -> [Int32] {
        guard let taskDirectory else { return [] }
        rewinddir(taskDirectory)
        var tids: [Int32] = []
        while let entry = readdir(taskDirectory) {
            let tid = withUnsafeBytes(of: entry.pointee.d_name) { raw -> Int32? in
                var value: Int32 = 0
                var digits = 0
                for byte in raw {
                    if byte == 0 { break }
                    guard byte >= 0x30 && byte <= 0x39 else { return nil }
                    value = value &* 10 &+ Int32(byte - 0x30)
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            if let tid { tids.append(tid) }
        }
        return tids.sorted()
    }
}
