/// One frame line of eu-stack: "#N  0xADDRESS [FUNCTION] [- MODULE]".
public struct UserFrame: Sendable, Equatable {
    public var index: Int
    public var address: UInt64
    /// The symbol, as eu-stack printed it (C++ demangled, Swift still mangled); nil when none.
    public var function: String?
    /// The file the address lies in (with `-m`).
    public var module: String?
    /// The line as printed, without leading blanks.
    public var line: String

    public init?(parsing line: String) {
        guard line.hasPrefix("#") else { return nil }
        let fields = line.dropFirst().split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard fields.count >= 1, let index = Int(fields[0]) else { return nil }
        let rest = fields.count > 1 ? fields[1].drop { $0 == " " } : ""
        let addressText = rest.prefix { $0 != " " }
        guard addressText.hasPrefix("0x"), let address = UInt64(addressText.dropFirst(2), radix: 16) else { return nil }
        var tail = Substring(rest.dropFirst(addressText.count).drop { $0 == " " })
        if tail.hasSuffix("\r") { tail = tail.dropLast() }
        var function: Substring = tail
        var module: Substring?
        if tail.hasPrefix("- ") {
            function = ""
            module = tail.dropFirst(2)
        } else if let separator = tail.firstRange(of: " - ") {
            function = tail[..<separator.lowerBound]
            module = tail[separator.upperBound...]
        }
        self.index = index
        self.address = address
        self.function = function.isEmpty ? nil : String(function)
        self.module = module.map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        self.line = line.hasSuffix("\r") ? String(line.dropLast()) : line
    }

    /// The function, else the module's file name, else the address: what a one-line summary shows.
    public var shortName: String {
        if let function { return function }
        if let module { return (module.split(separator: "/").last.map(String.init) ?? module) + "+?" }
        return "0x" + String(address, radix: 16)
    }
}
