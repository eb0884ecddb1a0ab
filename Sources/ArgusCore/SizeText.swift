/// Sizes as a user types them: a number of bytes with an optional unit. A bare letter and the
/// IEC units are powers of 1024 (`100k`, `2G`, `2GiB`, as dd and head -c read `K`); the SI
/// units with a `B` are powers of 1000 (`500MB`, `1GB`, as dd reads `KB`). Case does not
/// matter; a trailing `B` alone means bytes ("4096B").
public enum SizeText {
    /// Bytes, or nil when the text is not such a size (negative, empty, no number, another
    /// unit, or beyond 2^62).
    public static func bytes(_ text: String) -> UInt64? {
        let lowered = text.lowercased()
        let digits = lowered.prefix { $0.isNumber || $0 == "." }
        let unit = lowered.dropFirst(digits.count)
        let multiplier: Double
        switch unit {
        case "", "b": multiplier = 1
        case "k", "kib": multiplier = 1024
        case "m", "mib": multiplier = 1024 * 1024
        case "g", "gib": multiplier = 1024 * 1024 * 1024
        case "t", "tib": multiplier = 1024 * 1024 * 1024 * 1024
        case "kb": multiplier = 1e3
        case "mb": multiplier = 1e6
        case "gb": multiplier = 1e9
        case "tb": multiplier = 1e12
        default: return nil
        }
        guard !digits.isEmpty, let value = Double(digits), value.isFinite, value >= 0 else { return nil }
        let bytes = (value * multiplier).rounded()
        guard bytes <= Double(UInt64(1) << 62) else { return nil }
        return UInt64(bytes)
    }

    /// A byte count for people: "512 B", "3.4 KiB", "1.2 MiB", "2.0 GiB".
    public static func describe(_ bytes: Int64) -> String {
        let magnitude = Double(bytes.magnitude)
        let sign = bytes < 0 ? "-" : ""
        guard magnitude >= 1024 else { return "\(bytes) B" }
        var value = magnitude
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" {
                let tenths = Int((value * 10).rounded())
                return "\(sign)\(tenths / 10).\(tenths % 10) \(unit)"
            }
        }
        return "\(bytes) B"
    }
}
