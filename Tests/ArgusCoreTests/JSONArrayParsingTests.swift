import ArgusCore
import Testing

@Suite struct JSONArrayParsingTests {
    @Test func aStringArrayReadsBackAsWritten() {
        let items = ["/bin/sh", "-c", "echo \"hi\"\n\t\\", "é 😀", "\u{1}", ""]
        #expect(JSONText.stringArray(parsing: JSONText.array(items)) == items)
        #expect(JSONText.stringArray(parsing: " [ ] ") == [])
        #expect(JSONText.stringArray(parsing: #"["\ud83d\ude00", "\u00e9", "\/"]"#) == ["😀", "é", "/"])
    }

    @Test func malformedArraysAreNilAndBadEscapesAreReplaced() {
        for text in ["", "[", "[\"a\"", "[\"a\",]", "[1]", "{}", "[\"a\"] x", "[\"a\" \"b\"]", "[\"\\"] {
            #expect(JSONText.stringArray(parsing: text) == nil, "\(text)")
        }
        #expect(JSONText.stringArray(parsing: #"["\ud800", "\uzzzz"]"#) == ["\u{FFFD}", "\u{FFFD}zzzz"])
    }

    @Test func pidArraysHoldInt32sOnly() {
        #expect(JSONText.int32Array(parsing: "[101,102, -1]") == [101, 102, -1])
        #expect(JSONText.int32Array(parsing: "[]") == [])
        #expect(JSONText.int32Array(parsing: "[99999999999]") == nil)
        #expect(JSONText.int32Array(parsing: "[1,\"x\"]") == nil)
        #expect(JSONText.int32Array(parsing: "[--1]") == nil)
    }
}
