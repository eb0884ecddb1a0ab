/// Parsers for the /proc text files argus-trace reads. Pure functions over the file's text, so
/// they are tested on recorded fixtures.

/// /proc/PID/stat (proc(5)): the fields argus-trace uses. Counters cover the whole thread group,
/// dead threads included.
public struct ProcStat: Sendable, Equatable {
    public var comm: String
    public var state: Character
    public var ppid: Int32
    public var flags: UInt64
    public var minorFaults: UInt64
    public var majorFaults: UInt64
    public var userTicks: UInt64
    public var systemTicks: UInt64
    public var threads: Int
    /// Field 22: start time in clock ticks after boot. With the pid and the boot id, a process's
    /// identity (pids are reused, start times are not).
    public var startTicks: UInt64
    public var vsizeBytes: UInt64
    public var rssPages: UInt64
    /// Field 52: the raw wait status, meaningful once the process is a zombie.
    public var exitCode: UInt32?
    /// Field 39: the CPU it last ran on.
    public var processor: Int?

    /// PF_KTHREAD in the flags field.
    public var isKernelThread: Bool { flags & 0x0020_0000 != 0 }

    public init?(parsing text: String) {
        // The comm sits in parentheses and may itself contain spaces and ')'.
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
        comm = String(text[text.index(after: open)..<close])
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 22, let state = fields[0].first else { return nil }
        func number(_ index: Int) -> UInt64? { UInt64(fields[index]) }
        guard let ppid = Int32(fields[1]), let flags = number(6), let minor = number(7), let major = number(9),
            let user = number(11), let system = number(12), let threads = Int(fields[17]),
            let start = number(19), let vsize = number(20), let rss = Int64(fields[21])
        else { return nil }
        self.state = state
        self.ppid = ppid
        self.flags = flags
        minorFaults = minor
        majorFaults = major
        userTicks = user
        systemTicks = system
        self.threads = threads
        startTicks = start
        vsizeBytes = vsize
        rssPages = UInt64(max(rss, 0))
        exitCode = fields.count >= 50 ? UInt32(fields[49].trimmingSuffixNewline) : nil
        processor = fields.count >= 37 ? Int(fields[36]) : nil
    }
}

/// /proc/PID/status (and /proc/PID/task/TID/status): `Key:\tvalue` lines. Fields are found by
/// scanning for their key when asked, so a read that wants two fields builds no dictionary.
public struct ProcStatus: Sendable, Equatable {
    public let text: String

    public init(parsing text: String) { self.text = text }

    /// The text after `Key:` with leading blanks removed, or nil when the key is absent.
    /// Scans UTF-8 bytes: /proc text is ASCII, and Character iteration would cost far more.
    public func value(_ key: String) -> Substring? {
        let bytes = text.utf8
        let keyBytes = Array(key.utf8)
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let line = bytes[lineStart..<lineEnd]
            if line.count > keyBytes.count, line.starts(with: keyBytes),
                line[line.index(lineStart, offsetBy: keyBytes.count)] == UInt8(ascii: ":")
            {
                var valueStart = line.index(lineStart, offsetBy: keyBytes.count + 1)
                while valueStart < lineEnd, bytes[valueStart] == UInt8(ascii: " ") || bytes[valueStart] == UInt8(ascii: "\t") {
                    valueStart = bytes.index(after: valueStart)
                }
                return text[valueStart..<lineEnd]
            }
            lineStart = lineEnd == bytes.endIndex ? lineEnd : bytes.index(after: lineEnd)
        }
        return nil
    }

    /// A numeric field; sizes like `VmRSS:  1234 kB` give the number of kB.
    public func number(_ key: String) -> UInt64? {
        guard let value = value(key) else { return nil }
        return UInt64(value.prefix { $0 != " " })
    }

    public var voluntarySwitches: UInt64? { number("voluntary_ctxt_switches") }
    public var involuntarySwitches: UInt64? { number("nonvoluntary_ctxt_switches") }
}

/// /proc/PID/io: storage I/O the process caused, whole thread group.
public struct ProcIO: Sendable, Equatable {
    public var readBytes: UInt64
    public var writeBytes: UInt64

    public init?(parsing text: String) {
        let status = ProcStatus(parsing: text)
        guard let read = status.number("read_bytes"), let write = status.number("write_bytes") else { return nil }
        readBytes = read
        writeBytes = write
    }
}

extension Substring {
    fileprivate var trimmingSuffixNewline: Substring {
        var text = self
        while text.last == "\n" { text = text.dropLast() }
        return text
    }
}
