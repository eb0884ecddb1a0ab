import ArgumentParser

#if canImport(FoundationEssentials)
    import FoundationEssentials  // JSONDecoder, without Foundation's ICU (as ArgumentParser does)
#else
    import Foundation
#endif

/// The keys a config file may hold: every long option of every command, read from the commands'
/// own definitions (ArgumentParser's description of the tool, as `--experimental-dump-help`
/// prints it), so there is no second list to keep.
struct ConfigKeys {
    enum Kind: Equatable {
        case single, list, flag
    }

    /// The command a key belongs to: "" for the root (watching), "run", "stalls", "prune".
    private(set) var kinds: [String: Kind] = [:]
    private(set) var owners: [String: Set<String>] = [:]

    /// Options that make no sense in a file.
    static let excluded: Set<String> = ["config", "help", "version", "experimental-dump-help"]

    static let all: ConfigKeys = ConfigKeys(dump: ArgusTraceCommand._dumpHelp())

    init(dump: String) {
        guard let info = try? JSONDecoder().decode(ToolInfo.self, from: Data(dump.utf8)) else { return }
        add(info.command, name: "")
        for sub in info.command.subcommands ?? [] { add(sub, name: sub.commandName) }
    }

    private mutating func add(_ command: ToolInfo.Command, name: String) {
        for argument in command.arguments ?? [] where argument.kind != "positional" {
            guard let long = argument.names?.first(where: { $0.kind == "long" })?.name, !Self.excluded.contains(long)
            else { continue }
            kinds[long] = argument.kind == "flag" ? .flag : argument.isRepeating == true ? .list : .single
            owners[long, default: []].insert(name)
        }
    }

    func kind(of key: String) -> Kind? { kinds[key] }

    /// Whether `command` ("" for the root) has the option `key`.
    func command(_ command: String, has key: String) -> Bool { owners[key]?.contains(command) == true }

    /// " (did you mean 'interval'?)" for a near miss, else "".
    func suggestion(for key: String) -> String {
        let close = kinds.keys.filter { Self.distance($0, key) <= 2 }.sorted()
        return close.first.map { " (did you mean '\($0)'?)" } ?? ""
    }

    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }

    /// The part of ArgumentParser's tool description read here.
    private struct ToolInfo: Decodable {
        struct Name: Decodable {
            let kind: String
            let name: String
        }

        struct Argument: Decodable {
            let kind: String
            let names: [Name]?
            let isRepeating: Bool?
        }

        struct Command: Decodable {
            let commandName: String
            let arguments: [Argument]?
            let subcommands: [Command]?
        }

        let command: Command
    }
}
