import ArgusCore
import ArgusStore
import Testing

@Suite struct LogPositionsTests {
    /// A migrated database with `rows` inserted into log_entries as raw SQL values.
    func database(_ rows: [String]) throws -> (ScratchDirectory, String) {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let database = try SQLiteDatabase(path: path)
        try Schema.migrate(database)
        for row in rows {
            try database.execute(
                """
                INSERT INTO log_entries (timestamp, app_name, process_name, process_id, log_line, logfile_path,
                    session_id, file_inode, file_offset, partial, log_line_raw)
                VALUES ('t', 'a', 'p', 1, \(row))
                """)
        }
        return (scratch, path)
    }

    @Test func theLastRowOfThePathGivesTheEndOfItsLine() throws {
        let (scratch, path) = try database([
            "'first', '/l/app.log', 1, 7, 0, 0, NULL",
            "'élan', '/l/app.log', 2, 7, 6, 0, NULL",
            "'other', '/l/other.log', 2, 9, 500, 0, NULL",
        ])
        _ = scratch
        // "élan" is 5 bytes in UTF-8: 6 + 5 + 1.
        #expect(LogPositions.last(path: "/l/app.log", inDatabase: path) == LogPosition(inode: 7, offset: 12))
        #expect(LogPositions.last(path: "/l/none.log", inDatabase: path) == nil)
    }

    @Test func aPartialLineEndsAtItsLastByteAndRawBytesCount() throws {
        let (scratch, path) = try database([
            "'ab', '/l/app.log', 1, 7, 10, 1, NULL",
            "'b?d', '/l/raw.log', 1, 8, 0, 0, x'62ff64ff'",
        ])
        _ = scratch
        #expect(LogPositions.last(path: "/l/app.log", inDatabase: path) == LogPosition(inode: 7, offset: 12))
        #expect(LogPositions.last(path: "/l/raw.log", inDatabase: path) == LogPosition(inode: 8, offset: 5))
    }

    @Test func rowsThatAreNotPositionsAreSkippedAndNothingOverflows() throws {
        let (scratch, path) = try database([
            "'ok', '/l/app.log', 1, 7, 100, 0, NULL",
            "'x', '/l/app.log', 1, 'seven', 'ten', NULL, NULL",
            "'y', '/l/app.log', 1, NULL, NULL, NULL, NULL",
            "'z', '/l/big.log', 1, 7, 9223372036854775807, 0, NULL",
            "'n', '/l/neg.log', 1, 7, -5, 0, NULL",
        ])
        _ = scratch
        #expect(LogPositions.last(path: "/l/app.log", inDatabase: path) == LogPosition(inode: 7, offset: 103))
        let big = LogPositions.last(path: "/l/big.log", inDatabase: path)
        #expect(big == LogPosition(inode: 7, offset: 9_223_372_036_854_775_809))
        #expect(LogPositions.last(path: "/l/neg.log", inDatabase: path) == nil)
    }

    @Test func aFileThatIsNotADatabaseHasNoPosition() throws {
        let scratch = ScratchDirectory()
        #expect(LogPositions.last(path: "/l/app.log", inDatabase: scratch.path + "/missing.db") == nil)
        #expect(LogPositions.last(path: "/l/app.log", inDatabase: "/proc/self/status") == nil)
    }
}
