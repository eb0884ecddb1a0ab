import ArgusCore
import CYAML

/// libyaml's parser over one UTF-8 text, read as events (yaml_parser_parse). Owns the parser and
/// its copy of the text; both are released in deinit. libyaml must be loaded
/// (YAMLDocument.libraryProblem nil).
final class YAMLParser {
    /// What yaml_event_t holds that the document needs, copied out before the event is deleted.
    enum Event {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias(anchor: String)
        case scalar(YAMLScalar, anchor: String?)
        case sequenceStart(anchor: String?)
        case sequenceEnd
        case mappingStart(anchor: String?)
        case mappingEnd
    }

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>

    /// yaml_parser_initialize, then yaml_parser_set_input_string over a copy of `bytes`.
    init(_ bytes: [UInt8]) {
        parser = .allocate(capacity: 1)
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        // Fails only when malloc does; the first parse then reports it.
        _ = CYAML_parser_initialize(parser)
        CYAML_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        CYAML_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        CYAML_parser_delete(parser)
        input.deallocate()
        parser.deallocate()
    }

    /// yaml_parser_parse: the next event and where it starts (1-based), or the parser's error.
    func next() throws(YAMLParseError) -> (event: Event, line: Int, column: Int) {
        var event = yaml_event_t()
        guard CYAML_parser_parse(parser, &event) == 1 else { throw error() }
        defer { CYAML_event_delete(&event) }
        return (Self.copy(event), Int(event.start_mark.line) + 1, Int(event.start_mark.column) + 1)
    }

    private static func copy(_ event: yaml_event_t) -> Event {
        switch event.type {
        case YAML_ALIAS_EVENT: return .alias(anchor: text(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            return .scalar(
                YAMLScalar(value, style: style(scalar.style), tag: text(scalar.tag)), anchor: text(scalar.anchor))
        case YAML_SEQUENCE_START_EVENT: return .sequenceStart(anchor: text(event.data.sequence_start.anchor))
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT: return .mappingStart(anchor: text(event.data.mapping_start.anchor))
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        case YAML_DOCUMENT_START_EVENT: return .documentStart
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_STREAM_START_EVENT: return .streamStart
        default: return .streamEnd
        }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// The parser's problem and mark. A reader error (bytes that are not UTF-8) has only an
    /// offset, so its line and column are counted in the text.
    private func error() -> YAMLParseError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "out of memory"
        guard state.error == YAML_READER_ERROR else {
            return YAMLParseError(
                problem: problem, line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1)
        }
        let before = input.prefix(min(Int(state.problem_offset), input.count))
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        return YAMLParseError(
            problem: problem, line: before.count { $0 == UInt8(ascii: "\n") } + 1, column: before.count - lineStart + 1)
    }
}
