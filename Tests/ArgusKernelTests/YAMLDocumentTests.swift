import ArgusCore
import ArgusKernel
import Testing

/// libyaml through `YAMLDocument`: the tree, each node's 1-based line and column, and errors.
struct YAMLDocumentTests {
    @Test func aMappingKeepsItsPairsInOrderWithLinesStylesAndDuplicates() throws {
        let text = """
            # a comment
            interval: 1
            name: "true"
            alert:
              - cpu > 80
              - 'exit != 0'
            interval: 2
            """
        let root = try #require(try YAMLDocument(parsing: text).root)
        let pairs = try #require(root.mapping)
        #expect(pairs.map { $0.key.scalar?.text } == ["interval", "name", "alert", "interval"])
        #expect(pairs.map(\.key.line) == [2, 3, 4, 7])
        #expect(pairs[0].value.scalar == YAMLScalar("1", style: .plain))
        #expect(pairs[1].value.scalar == YAMLScalar("true", style: .doubleQuoted))
        #expect(pairs[1].value.column == 7)
        let items = try #require(pairs[2].value.sequence)
        #expect(items.map { $0.scalar?.text } == ["cpu > 80", "exit != 0"])
        #expect(items.map(\.line) == [5, 6])
        #expect(items[1].scalar?.style == .singleQuoted)
    }

    @Test func emptyTextAndCommentsHoldNoDocument() throws {
        #expect(try YAMLDocument(parsing: "").root == nil)
        #expect(try YAMLDocument(parsing: "# nothing\n\n").root == nil)
    }

    @Test func nullsTagsFlowCollectionsAndAliases() throws {
        let root = try #require(try YAMLDocument(parsing: "a:\nb: ~\nc: !!str\nd: [x, {y: z}]\ne: &v 5\nf: *v\n").root)
        let values = try #require(root.mapping).map(\.value)
        #expect(values[0].scalar?.isNull == true)
        #expect(values[1].scalar?.isNull == true)
        #expect(values[2].scalar?.isNull == false)
        #expect(values[2].scalar?.tag == "tag:yaml.org,2002:str")
        #expect(values[3].sequence?.count == 2)
        #expect(values[3].sequence?[1].mapping?.first?.value.scalar?.text == "z")
        #expect(values[5].scalar?.text == "5")
    }

    @Test(arguments: [
        ("interval: 1\n  quiet: true\n", 2, "mapping values are not allowed in this context"),
        ("a: [1, 2\n", 2, "did not find expected ',' or ']'"),
        ("a: *nowhere\n", 1, "found undefined alias 'nowhere'"),
        ("a: 1\n---\nb: 2\n", 2, "expected a single document, but found another"),
    ])
    func brokenTextNamesTheProblemAndItsLine(text: String, line: Int, problem: String) {
        #expect(throws: YAMLParseError.self) { try YAMLDocument(parsing: text) }
        do {
            _ = try YAMLDocument(parsing: text)
        } catch {
            #expect(error.line == line)
            #expect(error.problem == problem)
        }
    }

    @Test func bytesThatAreNotUTF8AreAnErrorOnTheirLine() {
        let bytes = Array("a: 1\nb: ".utf8) + [0xFF, 0x0A]
        do {
            _ = try YAMLDocument(parsing: bytes)
            Issue.record("parsed bytes that are not UTF-8")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == 4)
        }
    }

    @Test func deepNestingDoesNotOverflowTheStack() throws {
        let depth = 10_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var node = try #require(try YAMLDocument(parsing: text).root)
        var levels = 1
        while let inner = node.sequence?.first {
            node = inner
            levels += 1
        }
        #expect(levels == depth)
    }
}
