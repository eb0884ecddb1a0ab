/// Why a database cannot be used, found before anything was traced or written: one line for
/// the user. The file is left as it was.
public struct StoreRefusal: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// "cannot use PATH as the database: REASON".
    public var message: String { "cannot use \(path) as the database: \(reason)" }
    public var description: String { message }
}
