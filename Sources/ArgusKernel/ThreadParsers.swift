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
    /// (`some avg10=0.00 avg60=0.00 avg300=0.00 total=N`), scanned as bytes: read 5 times a second.
    public static func someTotal(parsing text: String) -> UInt64? {
        let bytes = Array(text.utf8)
        let some = Array("some ".utf8)
        let total = Array("total=".utf8)
        guard bytes.starts(with: some) else { return nil }
        var index = some.count
        while index + total.count <= bytes.count {
            if bytes[index] == 0x0A { return nil }
            if bytes[index..<(index + total.count)].elementsEqual(total) {
                var value: UInt64 = 0
                var digits = 0
                index += total.count
                while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
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
