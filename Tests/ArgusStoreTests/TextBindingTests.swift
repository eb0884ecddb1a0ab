import ArgusCore
import ArgusStore
import Testing

/// Text is bound with its byte length: a NUL inside a line does not end it.
@Suite struct TextBindingTests {
    func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String($0, radix: 16, uppercase: true).leftPadded }.joined()
    }

    @Test func aLogLineWithNULIsStoredWhole() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let line = "before\u{0}after \u{2713}\u{0}"
        let writer = try Fixtures.writer(path)
        writer.submit(Fixtures.log(line))
        #expect(writer.close().logsWritten == 1)

        let database = try SQLiteDatabase(path: path, readOnly: true)
        let statement = try database.prepare(
            "SELECT length(CAST(log_line AS BLOB)), hex(log_line), log_line, log_line_raw IS NULL FROM log_entries")
        #expect(try statement.step())
        #expect(statement.int64(0) == Int64(line.utf8.count))
        #expect(statement.text(1) == hex(line.utf8))
        #expect(statement.text(2) == line)
        #expect(statement.int64(3) == 1)
    }

    @Test func bytesThatAreNotUTF8KeepTheirExactBytes() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let raw: [UInt8] = [0x66, 0x00, 0xFF, 0x0D]
        let writer = try Fixtures.writer(path)
        writer.submit(Fixtures.log(String(decoding: raw, as: UTF8.self), raw: raw))
        writer.submit(Fixtures.log(""))
        _ = writer.close()

        let database = try SQLiteDatabase(path: path, readOnly: true)
        let statement = try database.prepare("SELECT log_line, log_line_raw FROM log_entries ORDER BY id")
        #expect(try statement.step())
        #expect(statement.text(0) == "f\u{0}\u{FFFD}\r")
        #expect(statement.blob(1) == raw)
        #expect(try statement.step())
        #expect(statement.text(0) == "")  // empty text is text, not NULL (log_line is NOT NULL)
    }
}

extension String {
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
