/// Parses alert rules:
///
///     METRIC OP NUMBER [for DURATION]     cpu > 80 for 30s, rss > 1GiB, proc.threads > 500
///     exit OP CODE                        exit != 0
///     stall [KIND]                        stall, stall d_state
///     log ~ REGEX                         log ~ ERROR|FATAL
///     restarts OP COUNT [in DURATION]     restarts > 3 in 10m
///
/// OP is one of `>`, `>=`, `<`, `<=`, `==`, `!=`. A cpu threshold may end in `%`; an rss
/// threshold is MB (as memory_mb) unless it has a size unit (`1GiB`, `500MB`, `100k`).
/// Durations are as `--timeout`'s (`30`, `30s`, `10m`, `2h`). A bad rule is an error with the
/// position of its first wrong character.
public enum AlertRuleParser {
    public static func parse(_ text: String) throws(AlertRuleError) -> AlertRule {
        var scanner = Scanner(text)
        let (word, at) = scanner.word()
        let condition: AlertRule.Condition
        switch word {
        case "exit":
            let comparison = try scanner.comparison(after: word)
            condition = .exit(comparison, try scanner.integer(what: "an exit code"))
        case "stall":
            let (kindName, kindAt) = scanner.word()
            if kindName.isEmpty {
                condition = .stall(nil)
            } else if let kind = StallKind(rawValue: kindName) {
                condition = .stall(kind)
            } else {
                throw scanner.error(
                    at: kindAt,
                    "unknown stall kind '\(kindName)' (one of \(StallKind.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
        case "log":
            try scanner.expect("~", after: word)
            let (pattern, patternAt) = scanner.rest()
            guard !pattern.isEmpty else {
                throw scanner.error(at: patternAt, "expected a regular expression after '~'")
            }
            do {
                _ = try Regex(pattern)
            } catch {
                let why = "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "invalid"
                throw scanner.error(at: patternAt, "not a regular expression: \(why)")
            }
            condition = .log(pattern: pattern)
        case "restarts":
            let comparison = try scanner.comparison(after: word)
            let count = try scanner.integer(what: "a number of restarts")
            var within: UInt64?
            if try scanner.keyword("in") { within = try scanner.duration(after: "in") }
            condition = .restarts(comparison, count, withinNs: within)
        default:
            guard let metric = AlertMetric.named(word) else {
                throw scanner.error(
                    at: at,
                    word.isEmpty
                        ? "expected a metric (cpu, rss, threads, processes, proc.cpu, proc.rss, proc.threads), "
                            + "exit, stall, log or restarts"
                        : "unknown metric '\(word)' (cpu, rss, memory, threads, processes, proc.cpu, proc.rss, "
                            + "proc.threads; or exit, stall, log, restarts)")
            }
            let comparison = try scanner.comparison(after: word)
            let threshold = try scanner.threshold(for: metric)
            var forNs: UInt64 = 0
            if try scanner.keyword("for") { forNs = try scanner.duration(after: "for") }
            condition = .metric(metric, comparison, threshold, forNs: forNs)
        }
        try scanner.end()
        return AlertRule(text: text, condition: condition)
    }

    /// The characters of a rule with a cursor; positions are 1-based.
    struct Scanner {
        let text: String
        let characters: [Character]
        var index = 0

        init(_ text: String) {
            self.text = text
            characters = Array(text)
        }

        func error(at index: Int, _ reason: String) -> AlertRuleError {
            AlertRuleError(rule: text, position: index + 1, reason: reason)
        }

        mutating func skipSpaces() {
            while index < characters.count, characters[index].isWhitespace { index += 1 }
        }

        /// Letters, digits, `.` and `_`; empty at the end or before anything else.
        mutating func word() -> (String, Int) {
            skipSpaces()
            let start = index
            while index < characters.count,
                characters[index].isLetter || characters[index].isNumber || characters[index] == "."
                    || characters[index] == "_"
            {
                index += 1
            }
            return (String(characters[start..<index]), start)
        }

        /// The next run of characters up to a space.
        mutating func token() -> (String, Int) {
            skipSpaces()
            let start = index
            while index < characters.count, !characters[index].isWhitespace { index += 1 }
            return (String(characters[start..<index]), start)
        }

        /// Everything left, without its surrounding spaces.
        mutating func rest() -> (String, Int) {
            skipSpaces()
            let start = index
            var end = characters.count
            while end > start, characters[end - 1].isWhitespace { end -= 1 }
            index = characters.count
            return (String(characters[start..<end]), start)
        }

        mutating func comparison(after word: String) throws(AlertRuleError) -> AlertComparison {
            skipSpaces()
            let start = index
            while index < characters.count, "<>=!".contains(characters[index]) { index += 1 }
            guard let comparison = AlertComparison(rawValue: String(characters[start..<index])) else {
                throw error(at: start, "expected a comparison (>, >=, <, <=, ==, !=) after '\(word)'")
            }
            return comparison
        }

        mutating func expect(_ symbol: Character, after word: String) throws(AlertRuleError) {
            skipSpaces()
            guard index < characters.count, characters[index] == symbol else {
                throw error(at: index, "expected '\(symbol)' after '\(word)'")
            }
            index += 1
        }

        mutating func integer(what: String) throws(AlertRuleError) -> Int {
            let (token, at) = token()
            guard let value = Int(token), value >= 0 else { throw error(at: at, "expected \(what) (a whole number)") }
            return value
        }

        /// A threshold in the metric's unit.
        mutating func threshold(for metric: AlertMetric) throws(AlertRuleError) -> Double {
            let (token, at) = token()
            switch metric {
            case .cpu, .processCPU:
                let number = token.hasSuffix("%") ? String(token.dropLast()) : token
                guard let value = Double(number), value.isFinite, value >= 0 else {
                    throw error(at: at, "expected a CPU percentage such as 80 or 150%")
                }
                return value
            case .rss, .processRSS:
                if let value = Double(token), value.isFinite, value >= 0 { return value }
                guard token.first?.isNumber == true, let bytes = SizeText.bytes(token) else {
                    throw error(at: at, "expected a size: MB, or with a unit such as 512MiB, 1GiB, 500MB")
                }
                return Double(bytes) / (1024 * 1024)
            case .threads, .processes, .processThreads:
                return Double(try integerValue(token, at: at, what: "a number of \(metric.rawValue)"))
            }
        }

        private func integerValue(_ token: String, at: Int, what: String) throws(AlertRuleError) -> Int {
            guard let value = Int(token), value >= 0 else { throw error(at: at, "expected \(what) (a whole number)") }
            return value
        }

        /// True after consuming `word` when it comes next.
        mutating func keyword(_ word: String) throws(AlertRuleError) -> Bool {
            let saved = index
            let (next, _) = self.word()
            if next == word { return true }
            index = saved
            return false
        }

        mutating func duration(after word: String) throws(AlertRuleError) -> UInt64 {
            let (token, at) = token()
            guard let ns = DurationText.nanoseconds(token), ns > 0 else {
                throw error(at: at, "expected a duration such as 30s, 10m or 2h after '\(word)'")
            }
            return ns
        }

        mutating func end() throws(AlertRuleError) {
            skipSpaces()
            guard index == characters.count else {
                throw error(at: index, "unexpected '\(String(characters[index...]))'")
            }
        }
    }
}
