/// Writes metric families in the text exposition format 0.0.4 or in OpenMetrics 1.0: the
/// differences are a counter's family name (OpenMetrics names the family without `_total`),
/// and the `# EOF` at the end.
struct ExpositionWriter {
    enum Kind: String {
        case counter, gauge, histogram
    }

    let format: ExpositionFormat
    private(set) var text = ""

    init(format: ExpositionFormat) {
        self.format = format
        text.reserveCapacity(16_384)
    }

    /// Starts a family. `name` is without `_total` for a counter; its samples add it.
    mutating func family(_ name: String, _ kind: Kind, help: String) {
        let declared = kind == .counter && format == .text ? name + "_total" : name
        text += "# HELP \(declared) \(Self.escapeHelp(help))\n# TYPE \(declared) \(kind.rawValue)\n"
    }

    /// One sample: `name` is the sample's full name (with `_total`, `_bucket`, …).
    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                if index > 0 { text += "," }
                text += label.0
                text += "=\""
                text += Self.escapeLabelValue(label.1)
                text += "\""
            }
            text += "}"
        }
        text += " "
        text += value
        text += "\n"
    }

    mutating func finish() -> String {
        if format == .openMetrics { text += "# EOF\n" }
        return text
    }

    /// A label value with `\`, `"` and line feeds escaped (the same in both formats).
    static func escapeLabelValue(_ value: String) -> String {
        // Bytes, not Characters: walking graphemes was a visible part of a 200-series scrape.
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 10 }) else {
            return value
        }
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func escapeHelp(_ help: String) -> String {
        help.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    /// Nanoseconds as seconds.
    static func seconds(_ ns: UInt64) -> String { number(Double(ns) / 1e9) }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
