/// A rule that cannot be parsed: where (1-based character position in the rule) and why.
public struct AlertRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public let rule: String
    public let position: Int
    public let reason: String

    public init(rule: String, position: Int, reason: String) {
        self.rule = rule
        self.position = position
        self.reason = reason
    }

    /// "alert rule 'cpu > x': position 7: expected a number".
    public var description: String { "alert rule '\(rule)': position \(position): \(reason)" }
}
