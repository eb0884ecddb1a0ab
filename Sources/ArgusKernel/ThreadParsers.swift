import ArgusCore

/// /proc/PID/task/TID/schedstat: "on-CPU ns, run-queue wait ns, timeslices".
public struct ProcSchedstat: Sendable, Equatable {
    public var cpuNs: UInt64
    public var runDelayNs: UInt64

    public init?(parsing text: String) {
        // Split as bytes (ASCII digits), not Characters: read per member and thread many times a second.
        let fields = text.utf8.split(maxSplits: 2, whereSeparator: { $0 == 0x20 || $0 == 0x0A })
        guard fields.count >= 2, let cpu = UInt64(Substring(fields[0])), let delay = UInt64(Substring(fields[1])) else {
            return nil
        }
        cpuNs = cpu
        runDelayNs = delay
    }
}

extension PressureTotals {
    /// The "some" line's `total=` of /proc/pressure/RESOURCE
    /// (`some avg10=0.00 avg60=0.00 avg300=0.00 total=N`).
    public static func someTotal(parsing text: String) -> UInt64? {
        someTotal(parsing: Array(text.utf8)[...])
    }

    /// The same, scanned in the bytes as read: three files a second while a watch idles.
    static func someTotal(parsing bytes: ArraySlice<UInt8>) -> UInt64? {
        let some: StaticString = "some "
        let total: StaticString = "total="
        func matches(_ word: StaticString, at index: Int) -> Bool {
            guard index + word.utf8CodeUnitCount <= bytes.endIndex else { return false }
            return word.withUTF8Buffer { word in word.indices.allSatisfy { bytes[index + $0] == word[$0] } }
        }
        guard matches(some, at: bytes.startIndex) else { return nil }
        var index = bytes.startIndex + some.utf8CodeUnitCount
        while index < bytes.endIndex, bytes[index] != 0x0A {
            if matches(total, at: index) {
                var value: UInt64 = 0
                var digits = 0
                index += total.utf8CodeUnitCount
                while index < bytes.endIndex, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                    value = value &* 10 &+ UInt64(bytes[index] - 0x30)
                    digits += 1
                    index += 1
                }
                return digits > 0 ? value : nil
            }
            index += 1
        }
        return nil
    }
}

/// /proc/PID/task/TID/wchan: the kernel function a sleeping thread waits in; "0" while it runs.
public enum WaitChannel {
    public static func parse(_ text: String) -> String? {
        let name = text.trimmingWhitespace
        return name.isEmpty || name == "0" ? nil : name
    }
}

extension String {
    /// Without leading and trailing blanks and newlines.
    var trimmingWhitespace: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
