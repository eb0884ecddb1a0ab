/// One node of a YAML document: a scalar, a sequence or a mapping, with where it starts
/// (1-based line and column). Built by ArgusKernel's `YAMLDocument` from libyaml's events.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// The pairs in the order of the text; a key given twice stays twice.
        case mapping([Pair])
    }

    /// One `key: value` of a mapping.
    public struct Pair: Sendable {
        public let key: YAMLNode
        public let value: YAMLNode

        public init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    public let content: Content
    /// 1-based.
    public let line: Int
    /// 1-based, in Unicode scalars (as libyaml counts).
    public let column: Int

    public init(_ content: Content, line: Int, column: Int) {
        self.content = content
        self.line = line
        self.column = column
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { scalar } else { nil }
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { items } else { nil }
    }

    public var mapping: [Pair]? {
        if case .mapping(let pairs) = content { pairs } else { nil }
    }
}

/// A scalar's text as written, with how it was written: `true` and `1` are plain, `"true"` is
/// double-quoted; what they mean is for the reader to decide.
public struct YAMLScalar: Sendable, Equatable {
    public enum Style: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public let text: String
    public let style: Style
    /// An explicit tag, resolved (`!!str` is "tag:yaml.org,2002:str"); nil when none is written.
    public let tag: String?

    public init(_ text: String, style: Style, tag: String? = nil) {
        self.text = text
        self.style = style
        self.tag = tag
    }

    /// A plain scalar that YAML's core schema reads as null: empty, `~`, `null`, `Null`, `NULL`.
    public var isNull: Bool {
        tag == nil && style == .plain && ["", "~", "null", "Null", "NULL"].contains(text)
    }
}

/// Text that is not YAML: libyaml's problem and where it is (1-based).
public struct YAMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problem: String
    public let line: Int
    public let column: Int

    public init(problem: String, line: Int, column: Int) {
        self.problem = problem
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column): \(problem)" }
}
