import ArgusCore
import ArgusKernel

/// A config file read: its top-level keys with their values as command-line words, and the line
/// of each. YAML (libyaml, through ArgusKernel's `YAMLDocument`), because every node carries its
/// line (an error names the key and the line).
struct ConfigFile {
    /// One `key: value` of the file.
    struct Entry {
        enum Value {
            case scalar(String)
            /// Each value with its own line.
            case list([(value: String, line: Int)])
            case flag(Bool)
        }

        let key: String
        let value: Value
        let line: Int
    }

    /// A file that cannot be used: where and why, in one line.
    struct Problem: Error, CustomStringConvertible {
        let path: String
        let line: Int?
        let message: String

        var description: String { line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)" }
    }

    let path: String
    let entries: [Entry]

    /// Reads and parses `path`; keys are checked against `keys` (each command's long options).
    init(path: String, keys: ConfigKeys) throws(Problem) {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.contents(of: path)
        } catch .noSuchFile {
            throw Problem(path: path, line: nil, message: "no such file")
        } catch {
            throw Problem(path: path, line: nil, message: "cannot read it (\(error))")
        }
        try self.init(path: path, bytes: bytes, keys: keys)
    }

    init(path: String, text: String, keys: ConfigKeys) throws(Problem) {
        try self.init(path: path, bytes: Array(text.utf8), keys: keys)
    }

    /// `bytes` are UTF-8; bytes that are not are a YAML error on their line.
    init(path: String, bytes: [UInt8], keys: ConfigKeys) throws(Problem) {
        self.path = path
        let root: YAMLNode?
        if let problem = YAMLDocument.libraryProblem {
            throw Problem(path: path, line: nil, message: "cannot load libyaml (\(problem))")
        }
        do {
            root = try YAMLDocument(parsing: bytes).root
        } catch {
            throw Problem(path: path, line: error.line, message: "not valid YAML: \(error.problem)")
        }
        guard let root else {
            entries = []  // an empty file (or only comments) sets nothing
            return
        }
        guard let mapping = root.mapping else {
            throw Problem(path: path, line: root.line, message: "expected 'key: value' lines (a mapping)")
        }
        var entries: [Entry] = []
        var seen: [String: Int] = [:]
        for pair in mapping {
            let line = pair.key.line
            guard let key = pair.key.scalar?.text else {
                throw Problem(path: path, line: line, message: "a key must be an option name")
            }
            if let first = seen[key] {
                throw Problem(path: path, line: line, message: "key '\(key)' is given twice (first on line \(first))")
            }
            seen[key] = line
            guard let kind = keys.kind(of: key) else {
                throw Problem(path: path, line: line, message: "unknown key '\(key)'" + keys.suggestion(for: key))
            }
            entries.append(
                Entry(
                    key: key, value: try Self.value(pair.value, key: key, kind: kind, line: line, path: path),
                    line: line
                ))
        }
        self.entries = entries
    }

    /// The value as the option takes it: one word, a list (repeatable options), true/false (flags).
    private static func value(_ node: YAMLNode, key: String, kind: ConfigKeys.Kind, line: Int, path: String)
        throws(Problem) -> Entry.Value
    {
        let at = node.line
        func wrong(_ message: String) -> Problem { Problem(path: path, line: at, message: "key '\(key)': \(message)") }
        switch (kind, node.content) {
        case (.flag, .scalar(let scalar)):
            guard let bool = flag(scalar) else { throw wrong("is a flag: true or false") }
            return .flag(bool)
        case (.flag, _):
            throw wrong("is a flag: true or false")
        case (_, .scalar(let scalar)):
            if scalar.isNull { throw wrong("needs a value") }
            return .scalar(scalar.text)
        case (.list, .sequence(let sequence)):
            var words: [(value: String, line: Int)] = []
            for item in sequence {
                guard let word = item.scalar?.text else {
                    throw Problem(path: path, line: item.line, message: "key '\(key)': a list of values")
                }
                words.append((word, item.line))
            }
            return .list(words)
        case (.single, .sequence):
            throw wrong("takes one value, not a list")
        default:
            throw wrong(kind == .list ? "takes a value or a list of values" : "takes one value")
        }
    }

    /// A flag's value: true/yes/on or false/no/off in any case (YAML 1.1's booleans, as read
    /// before libyaml: quoted ones too).
    private static func flag(_ scalar: YAMLScalar) -> Bool? {
        switch scalar.text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }
}
