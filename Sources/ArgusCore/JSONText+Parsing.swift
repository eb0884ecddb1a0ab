extension JSONText {
    /// A JSON array of strings, as `array(_:)` writes it; nil for anything else. Total over any
    /// text: malformed escapes and lone surrogates become U+FFFD, never a trap.
    public static func stringArray(parsing text: String) -> [String]? {
        var scanner = Scanner(Array(text.unicodeScalars))
        return scanner.array { scanner in scanner.string() }
    }

    /// A JSON array of integers that fit in Int32 (pids); nil for anything else.
    public static func int32Array(parsing text: String) -> [Int32]? {
        var scanner = Scanner(Array(text.unicodeScalars))
        return scanner.array { scanner in scanner.int32() }
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        mutating func skipBlanks() {
            while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
        }

        mutating func take(_ scalar: Unicode.Scalar) -> Bool {
            skipBlanks()
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
            return true
        }

        mutating func array<Element>(_ element: (inout Scanner) -> Element?) -> [Element]? {
            guard take("[") else { return nil }
            var items: [Element] = []
            if take("]") { return end(items) }
            while true {
                guard let item = element(&self) else { return nil }
                items.append(item)
                if take("]") { return end(items) }
                guard take(",") else { return nil }
            }
        }

        private mutating func end<Element>(_ items: [Element]) -> [Element]? {
            skipBlanks()
            return index == scalars.count ? items : nil
        }

        mutating func int32() -> Int32? {
            skipBlanks()
            var digits = ""
            while index < scalars.count, scalars[index] == "-" || ("0"..."9").contains(scalars[index]) {
                digits.unicodeScalars.append(scalars[index])
                index += 1
            }
            return Int32(digits)
        }

        mutating func string() -> String? {
            guard take("\"") else { return nil }
            var out = String.UnicodeScalarView()
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                switch scalar {
                case "\"": return String(out)
                case "\\":
                    guard index < scalars.count else { return nil }
                    let escaped = scalars[index]
                    index += 1
                    switch escaped {
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "b": out.append("\u{8}")
                    case "f": out.append("\u{C}")
                    case "u": out.append(unicodeEscape())
                    default: out.append(escaped)
                    }
                default: out.append(scalar)
                }
            }
            return nil
        }

        /// After "\u": four hex digits, and a low surrogate's "\uXXXX" after a high one.
        private mutating func unicodeEscape() -> Unicode.Scalar {
            guard let high = hex4() else { return "\u{FFFD}" }
            if (0xD800..<0xDC00).contains(high), index + 1 < scalars.count, scalars[index] == "\\",
                scalars[index + 1] == "u"
            {
                let save = index
                index += 2
                if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
                }
                index = save
            }
            return Unicode.Scalar(high) ?? "\u{FFFD}"
        }

        private mutating func hex4() -> UInt32? {
            guard index + 4 <= scalars.count else { return nil }
            var text = ""
            for scalar in scalars[index..<(index + 4)] { text.unicodeScalars.append(scalar) }
            guard let value = UInt32(text, radix: 16) else { return nil }
            index += 4
            return value
        }
    }
}
