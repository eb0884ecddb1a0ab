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
        var text = text  // withUTF8 is mutating: it makes the bytes contiguous (native text is already)
        guard let parsed = text.withUTF8({ Self(parsing: $0) }) else { return nil }
        self = parsed
    }

    /// The file's bytes as read, without making a String of them first: the sampler reads this
    /// file at every sample and the stall ring for every thread.
    public init?(parsing bytes: ArraySlice<UInt8>) {
        guard let parsed = bytes.withUnsafeBufferPointer({ Self(parsing: $0) }) else { return nil }
        self = parsed
    }

    /// The comm sits in parentheses and may itself contain spaces and ')'. The fields after it
    /// are read in place: no substrings, no array of numbers, only the fields kept are stored.
    init?(parsing bytes: UnsafeBufferPointer<UInt8>) {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")), let close = bytes.lastIndex(of: UInt8(ascii: ")")),
            open < close
        else { return nil }
        var field = 0  // 0 is the state, 1 the ppid … as proc(5) numbers them minus 3
        var stateByte: UInt8 = 0
        var numbers = Self.Numbers()
        var index = close + 1
        while index < bytes.count && field < Numbers.fieldCount {
            while index < bytes.count && (bytes[index] == 0x20 || bytes[index] == 0x0A) { index += 1 }
            guard index < bytes.count else { break }
            if field == 0 {
                stateByte = bytes[index]
                index += 1
            } else {
                var negative = false
                if bytes[index] == UInt8(ascii: "-") {
                    negative = true
                    index += 1
                }
                var value: Int64 = 0
                var digits = 0
                while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                    value = value &* 10 &+ Int64(bytes[index] - 0x30)
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                numbers.keep(negative ? 0 &- value : value, field: field)
            }
            guard index == bytes.count || bytes[index] == 0x20 || bytes[index] == 0x0A else { return nil }
            field += 1
        }
        guard field >= 22 else { return nil }
        func unsigned(_ value: Int64) -> UInt64 { UInt64(max(value, 0)) }
        comm = String(decoding: UnsafeBufferPointer(rebasing: bytes[(open + 1)..<close]), as: UTF8.self)
        state = Character(Unicode.Scalar(stateByte))
        ppid = Int32(truncatingIfNeeded: numbers.ppid)
        flags = unsigned(numbers.flags)
        minorFaults = unsigned(numbers.minorFaults)
        majorFaults = unsigned(numbers.majorFaults)
        userTicks = unsigned(numbers.userTicks)
        systemTicks = unsigned(numbers.systemTicks)
        threads = Int(numbers.threads)
        startTicks = unsigned(numbers.startTicks)
        vsizeBytes = unsigned(numbers.vsizeBytes)
        rssPages = unsigned(numbers.rssPages)
        exitCode = field >= Numbers.fieldCount ? UInt32(truncatingIfNeeded: numbers.exitCode) : nil
        processor = field >= 37 ? Int(numbers.processor) : nil
    }

    /// The numeric fields kept, by their place after the comm (the state is 0).
    private struct Numbers {
        static let fieldCount = 50
        var ppid: Int64 = 0, flags: Int64 = 0, minorFaults: Int64 = 0, majorFaults: Int64 = 0
        var userTicks: Int64 = 0, systemTicks: Int64 = 0, threads: Int64 = 0, startTicks: Int64 = 0
        var vsizeBytes: Int64 = 0, rssPages: Int64 = 0, processor: Int64 = 0, exitCode: Int64 = 0

        mutating func keep(_ value: Int64, field: Int) {
            switch field {
            case 1: ppid = value
            case 6: flags = value
            case 7: minorFaults = value
            case 9: majorFaults = value
            case 11: userTicks = value
            case 12: systemTicks = value
            case 17: threads = value
            case 19: startTicks = value
            case 20: vsizeBytes = value
            case 21: rssPages = value
            case 36: processor = value
            case 49: exitCode = value
            default: break
            }
        }
    }
}

/// /proc/PID/status (and /proc/PID/task/TID/status): `Key:\tvalue` lines. Fields are found by
/// scanning for their key when asked, so a read that wants two fields builds no dictionary.
extension ProcStat {
    /// utime + stime, in clock ticks (wrapping: the values come from outside).
    public var cpuTicks: UInt64 { userTicks &+ systemTicks }

    /// utime + stime in ns, at `tickNs` ns a tick.
    public func cpuTimeNs(tickNs: UInt64) -> UInt64 { cpuTicks &* tickNs }
}

public struct ProcStatus: Sendable, Equatable {
    public let text: String

    public init(parsing text: String) { self.text = text }

    /// The text after `Key:` with leading blanks removed, or nil when the key is absent.
    /// Scans the UTF-8 bytes in place: /proc text is ASCII, and neither Character iteration nor
    /// the generic UTF8View indexing keeps up with a status file read per member per interval.
    public func value(_ key: String) -> Substring? {
        let keyBytes = Array(key.utf8)
        var text = self.text  // withUTF8 is mutating: it makes the bytes contiguous (native text is already)
        let found = text.withUTF8 { bytes -> (start: Int, end: Int)? in
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                let colon = lineStart + keyBytes.count
                if colon < lineEnd, bytes[colon] == UInt8(ascii: ":"),
                    keyBytes.indices.allSatisfy({ bytes[lineStart + $0] == keyBytes[$0] })
                {
                    var valueStart = colon + 1
                    while valueStart < lineEnd && (bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09) {
                        valueStart += 1
                    }
                    return (valueStart, lineEnd)
                }
                lineStart = lineEnd + 1
            }
            return nil
        }
        guard let range = found else { return nil }
        let utf8 = text.utf8
        return text[
            utf8.index(utf8.startIndex, offsetBy: range.start)..<utf8.index(utf8.startIndex, offsetBy: range.end)]
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
