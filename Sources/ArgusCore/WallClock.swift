/// A wall-clock instant in nanoseconds since the Unix epoch.
public struct WallTime: Sendable, Hashable, Comparable {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// Gaze's timestamp format: ISO 8601 in UTC with milliseconds, `2026-01-27T14:23:45.123Z`.
    public var iso8601: String {
        let (seconds, nanos) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        let wholeSeconds = nanos < 0 ? seconds - 1 : seconds
        let millis = (nanos < 0 ? nanos + 1_000_000_000 : nanos) / 1_000_000
        let civil = CivilTime(epochSeconds: wholeSeconds)
        return "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))T"
            + "\(pad(civil.hour, 2)):\(pad(civil.minute, 2)):\(pad(civil.second, 2)).\(pad(Int(millis), 3))Z"
    }

    /// `2026-01-27 14:23:40`, as Gaze prints its start time.
    public var consoleString: String {
        let civil = CivilTime(epochSeconds: nanoseconds / 1_000_000_000)
        return "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2)) "
            + "\(pad(civil.hour, 2)):\(pad(civil.minute, 2)):\(pad(civil.second, 2))"
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// Converts the kernel's CLOCK_MONOTONIC stamps to wall time with an offset measured once and
/// refreshed at every sample (so a clock step is followed within one interval).
public struct ClockMapping: Sendable {
    public private(set) var offsetNs: Int64

    public init(realtimeNs: Int64, monotonicNs: UInt64) {
        offsetNs = realtimeNs - Int64(monotonicNs)
    }

    public mutating func refresh(realtimeNs: Int64, monotonicNs: UInt64) {
        offsetNs = realtimeNs - Int64(monotonicNs)
    }

    public func wallTime(monotonicNs: UInt64) -> WallTime {
        WallTime(nanoseconds: Int64(monotonicNs) + offsetNs)
    }
}

/// Calendar fields of a UTC instant (days-from-civil inverse, proleptic Gregorian).
struct CivilTime {
    let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    init(epochSeconds: Int64) {
        let seconds = Int(epochSeconds)
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60

        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
