import Foundation
import Yams

/// A config file read: its top-level keys with their values as command-line words, and the line
/// of each. YAML, because every node carries its line (an error names the key and the line).
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
        guard FileManager.default.fileExists(atPath: path) else {
            throw Problem(path: path, line: nil, message: "no such file")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(path: path, line: nil, message: "cannot read it (\(Self.reason(error)))")
        }
        try self.init(path: path, text: text, keys: keys)
    }

    init(path: String, text: String, keys: ConfigKeys) throws(Problem) {
        self.path = path
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.problem(error, path: path)
        } catch {
            throw Problem(path: path, line: nil, message: "not YAML: \(error)")
        }
        guard let root else {
            entries = []  // an empty file (or only comments) sets nothing
            return
        }
        guard let mapping = root.mapping else {
            throw Problem(path: path, line: root.mark?.line, message: "expected 'key: value' lines (a mapping)")
        }
        var entries: [Entry] = []
        var seen: [String: Int] = [:]
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 0
            guard let key = keyNode.scalar?.string else {
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
                    key: key, value: try Self.value(valueNode, key: key, kind: kind, line: line, path: path), line: line
                ))
        }
        self.entries = entries
    }

    /// The value as the option takes it: one word, a list (repeatable options), true/false (flags).
    private static func value(_ node: Node, key: String, kind: ConfigKeys.Kind, line: Int, path: String)
        throws(Problem) -> Entry.Value
    {
        let at = node.mark?.line ?? line
        func wrong(_ message: String) -> Problem { Problem(path: path, line: at, message: "key '\(key)': \(message)") }
        switch (kind, node) {
        case (.flag, .scalar):
            guard let bool = node.bool else { throw wrong("is a flag: true or false") }
            return .flag(bool)
        case (.flag, _):
            throw wrong("is a flag: true or false")
        case (_, .scalar(let scalar)):
            if node.null != nil && scalar.style == .plain { throw wrong("needs a value") }
            return .scalar(scalar.string)
        case (.list, .sequence(let sequence)):
            var words: [(value: String, line: Int)] = []
            for item in sequence {
                guard let word = item.scalar?.string else {
                    throw Problem(path: path, line: item.mark?.line ?? at, message: "key '\(key)': a list of values")
                }
                words.append((word, item.mark?.line ?? at))
            }
            return .list(words)
        case (.single, .sequence):
            throw wrong("takes one value, not a list")
        default:
            throw wrong(kind == .list ? "takes a value or a list of values" : "takes one value")
        }
    }

    private static func problem(_ error: YamlError, path: String) -> Problem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return Problem(path: path, line: mark.line, message: "not valid YAML: \(problem)")
        default:
            return Problem(path: path, line: nil, message: "not valid YAML: \(error)")
        }
    }

    private static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        return nsError.localizedDescription
    }
}
