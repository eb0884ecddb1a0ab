/// A JSON object built as text, member by member, for the export payloads (OTLP, Gaze's
/// ingest). Keys are written as given; values are escaped per RFC 8259 (`JSONText`).
public struct JSONObject: Sendable {
    private var members: [String] = []

    public init() {}

    public var text: String { "{" + members.joined(separator: ",") + "}" }

    /// A member whose value is already JSON text (an object, an array, a number).
    public mutating func raw(_ key: String, _ json: String) { members.append(JSONText.quote(key) + ":" + json) }

    public mutating func string(_ key: String, _ value: String) { raw(key, JSONText.quote(value)) }

    /// A string, or `null` when nil (Gaze's optional columns are sent as null).
    public mutating func string(_ key: String, orNull value: String?) {
        raw(key, value.map(JSONText.quote) ?? "null")
    }

    public mutating func int<T: BinaryInteger>(_ key: String, _ value: T) { raw(key, String(value)) }

    public mutating func int<T: BinaryInteger>(_ key: String, orNull value: T?) {
        raw(key, value.map { String($0) } ?? "null")
    }

    /// A number; NaN and infinities, which JSON cannot hold, become 0.
    public mutating func double(_ key: String, _ value: Double) { raw(key, Self.number(value)) }

    public mutating func bool(_ key: String, _ value: Bool) { raw(key, value ? "true" : "false") }

    public static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "0" }

    public static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }
}
