import ArgusCore

/// /proc/PID/task/TID/schedstat: "on-CPU ns, run-queue wait ns, timeslices".
public struct ProcSchedstat: Sendable, Equatable {
    public var cpuNs: UInt64
    public var runDelayNs: UInt64

    public init?(parsing text: String) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let cpu = UInt64(fields[0]), let delay = UInt64(fields[1]) else { return nil }
        cpuNs = cpu
        runDelayNs = delay
    }
}

extension Pressure {
    /// /proc/pressure/RESOURCE: a "some" line and (except cpu on old kernels) a "full" line,
    /// each `avg10=0.00 avg60=0.00 avg300=0.00 total=N`.
    public init?(parsing text: String) {
        var some: PressureLine?
        var full: PressureLine?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let kind = words.first else { continue }
            var values: [Substring: Substring] = [:]
            for word in words.dropFirst() {
                let pair = word.split(separator: "=", maxSplits: 1)
                if pair.count == 2 { values[pair[0]] = pair[1] }
            }
            guard let avg10 = values["avg10"].flatMap({ Double($0) }), let avg60 = values["avg60"].flatMap({ Double($0) }),
                let avg300 = values["avg300"].flatMap({ Double($0) }), let total = values["total"].flatMap({ UInt64($0) })
            else { continue }
            let parsed = PressureLine(avg10: avg10, avg60: avg60, avg300: avg300, totalUs: total)
            if kind == "some" { some = parsed } else if kind == "full" { full = parsed }
        }
        guard let some else { return nil }
        self.init(some: some, full: full)
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
