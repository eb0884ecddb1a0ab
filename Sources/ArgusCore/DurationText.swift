/// Durations as a user types them, the way timeout(1) reads them: a number of seconds with an
/// optional unit, `s`, `m`, `h` or `d` ("90", "90s", "1.5m", "2h").
public enum DurationText {
    /// Nanoseconds, or nil when the text is not such a duration (negative, empty, no number,
    /// another unit, or beyond 100 years).
    public static func nanoseconds(_ text: String) -> UInt64? {
        var number = Substring(text)
        var unit = 1.0
        if let last = number.last, last.isLetter {
            switch last {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3_600
            case "d": unit = 86_400
            default: return nil
            }
            number = number.dropLast()
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number),
            value.isFinite, value >= 0
        else { return nil }
        let seconds = value * unit
        guard seconds <= 100 * 365 * 86_400 else { return nil }
        return UInt64((seconds * 1e9).rounded())
    }
}
