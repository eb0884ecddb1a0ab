import ArgusCore
import CYAML

/// A YAML text read with libyaml into a plain tree (`YAMLNode`), each node with its line and
/// column. One document at most; an alias stands for a copy of its anchor's node.
public struct YAMLDocument: Sendable {
    /// nil when the text holds no document (empty, or only comments).
    public let root: YAMLNode?

    /// Why libyaml cannot be used, or nil once it is loaded: it is opened with dlopen the first
    /// time this is asked (CYAML_load), so a start that reads no YAML never maps it.
    public static var libraryProblem: String? { CYAML_load().map { String(cString: $0) } }

    /// Parses UTF-8 `bytes`; throws libyaml's problem with its line, or one of the document's
    /// own (an undefined alias, a second document). Check `libraryProblem` first to tell a
    /// missing libyaml apart; here it is a problem on line 1.
    public init(parsing bytes: [UInt8]) throws(YAMLParseError) {
        if let problem = Self.libraryProblem {
            throw YAMLParseError(problem: "cannot load libyaml (\(problem))", line: 1, column: 1)
        }
        var composer = Composer(YAMLParser(bytes))
        root = try composer.document()
    }

    public init(parsing text: String) throws(YAMLParseError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Builds nodes from events with an explicit stack, so deep nesting cannot overflow the
    /// thread's stack.
    private struct Composer {
        /// A sequence or mapping whose end event has not come yet.
        struct Open {
            let isMapping: Bool
            var items: [YAMLNode] = []
            var pairs: [YAMLNode.Pair] = []
            /// A mapping's key waiting for its value.
            var key: YAMLNode?
            let anchor: String?
            let line: Int
            let column: Int
        }

        let parser: YAMLParser
        var anchors: [String: YAMLNode] = [:]
        var stack: [Open] = []

        init(_ parser: YAMLParser) { self.parser = parser }

        mutating func document() throws(YAMLParseError) -> YAMLNode? {
            guard case .streamStart = try parser.next().event else { return nil }
            guard case .documentStart = try parser.next().event else { return nil }
            let root = try node()
            _ = try parser.next()  // document end
            let after = try parser.next()
            guard case .streamEnd = after.event else {
                throw YAMLParseError(
                    problem: "expected a single document, but found another", line: after.line, column: after.column)
            }
            return root
        }

        /// The next whole node: a scalar or alias at once, a collection up to its end event.
        private mutating func node() throws(YAMLParseError) -> YAMLNode {
            while true {
                let (event, line, column) = try parser.next()
                var done: YAMLNode
                var anchor: String?
                switch event {
                case .scalar(let scalar, let name):
                    done = YAMLNode(.scalar(scalar), line: line, column: column)
                    anchor = name
                case .alias(let name):
                    guard let target = anchors[name] else {
                        throw YAMLParseError(problem: "found undefined alias '\(name)'", line: line, column: column)
                    }
                    done = target
                case .sequenceStart(let name):
                    stack.append(Open(isMapping: false, anchor: name, line: line, column: column))
                    continue
                case .mappingStart(let name):
                    stack.append(Open(isMapping: true, anchor: name, line: line, column: column))
                    continue
                case .sequenceEnd, .mappingEnd:
                    let open = stack.removeLast()
                    let content: YAMLNode.Content = open.isMapping ? .mapping(open.pairs) : .sequence(open.items)
                    done = YAMLNode(content, line: open.line, column: open.column)
                    anchor = open.anchor
                default:
                    throw YAMLParseError(problem: "unexpected event in a document", line: line, column: column)
                }
                if let anchor { anchors[anchor] = done }
                guard var open = stack.popLast() else { return done }
                if !open.isMapping {
                    open.items.append(done)
                } else if let key = open.key {
                    open.pairs.append(YAMLNode.Pair(key: key, value: done))
                    open.key = nil
                } else {
                    open.key = done
                }
                stack.append(open)
            }
        }
    }
}
