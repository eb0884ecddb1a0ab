import ArgusStore
import Testing

/// No database content crashes a reader: each value that once did is written with raw SQL and
/// read back.
@Suite struct ReaderTotalityTests {
    /// A real database with stall 1 ended, plus `sql` run on it.
    func database(_ scratch: ScratchDirectory, _ sql: String) throws -> String {
        let path = scratch.path + "/argus.db"
        try Fixtures.realDatabase(at: path)
        try SQLiteDatabase(path: path).execute(sql)
        return path
    }

    @Test func aThreadIDBeyondInt32IsClamped() throws {
        let scratch = ScratchDirectory()
        let path = try database(
            scratch,
            """
            INSERT INTO stall_snapshots (id, stall_id, snapshot_type, captured_at, captured_ns)
                VALUES (1, 1, 'entry', 'x', 1769523827000000000);
            INSERT INTO stall_threads (snapshot_id, thread_id, thread_name) VALUES (1, 3000000000, 'big');
            INSERT INTO stall_threads (snapshot_id, thread_id, thread_name) VALUES (1, -9000000000, 'small');
            INSERT INTO fine_samples (session_id, process_id, timestamp, timestamp_ns, thread_id, state, processor)
                VALUES (1, 42, 'x', 1769523826500000000, 9223372036854775807, 'R', 9223372036854775807);
            """)
        let reader = try StallReader(path: path)
        let threads = try reader.snapshots(of: 1).first?.threads.map(\.tid)
        #expect(threads == [Int32.min, Int32.max])
        let stall = try #require(try reader.stall(id: 1))
        #expect(try reader.samples(around: stall).map(\.thread.tid) == [Int32.max])
    }

    @Test func anInfiniteValueReadsAsUnknown() throws {
        let scratch = ScratchDirectory()
        let path = try database(
            scratch,
            "UPDATE stalls SET peak_value = 9e999, duration_ms = -9e999, threshold = 9e999, entry_value = 9e999")
        let stall = try #require(try StallReader(path: path).stalls().first)
        #expect(stall.peakValue == nil)
        #expect(stall.durationMs == nil)
        #expect(stall.threshold == nil)
        #expect(stall.entryValue == nil)
    }

    @Test func extremeTimesDoNotOverflow() throws {
        let scratch = ScratchDirectory()
        let path = try database(
            scratch, "UPDATE stalls SET started_ns = -9223372036854775800, window_ns = 9223372036854775807")
        let reader = try StallReader(path: path)
        let stall = try #require(try reader.stall(id: 1))
        _ = try reader.samples(around: stall)
    }

    @Test func aNegativeSchemaVersionIsAnErrorNotATrap() throws {
        let scratch = ScratchDirectory()
        let path = try database(scratch, "PRAGMA user_version = -1")
        #expect(throws: SQLiteError.self) { try StallReader(path: path) }
        #expect(throws: SQLiteError.self) { try Schema.migrate(SQLiteDatabase(path: path)) }
        #expect(throws: StoreRefusal.self) { try Fixtures.writer(path) }
    }
}
