import Testing

@testable import ArgusStore

/// The writer's probe reads only the header of a file argus-trace stamped at this schema
/// version, and leaves the tables to the writer's connection; anything else is checked whole.
@Suite struct DatabaseStampTests {
    func applicationID(_ path: String) throws -> Int64? {
        try SQLiteDatabase(path: path, readOnly: true).scalar("PRAGMA application_id")
    }

    @Test func aDatabaseArgusTraceMadeIsStampedAndTrustedByTheWriterOnly() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/ours.db"
        try Fixtures.realDatabase(at: path)
        #expect(try applicationID(path) == Schema.applicationID)
        #expect(try DatabaseProbe.check(path, trustingStamp: true) == false)
        // Readers and prune check the tables themselves.
        #expect(try DatabaseProbe.check(path) == true)
    }

    @Test func aDatabaseAnEarlierVersionMadeIsStampedWhenTheWriterFirstOpensIt() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/earlier.db"
        try Fixtures.realDatabase(at: path)
        try SQLiteDatabase(path: path).execute("PRAGMA application_id = 0")
        #expect(try DatabaseProbe.check(path, trustingStamp: true) == true)
        _ = try Fixtures.writer(path).close()
        #expect(try applicationID(path) == Schema.applicationID)
        #expect(try DatabaseProbe.check(path, trustingStamp: true) == false)
    }

    @Test func anotherApplicationsIdIsCheckedWholeAndKept() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/theirs.db"
        try Fixtures.realDatabase(at: path)
        try SQLiteDatabase(path: path).execute("PRAGMA application_id = 7")
        #expect(try DatabaseProbe.check(path, trustingStamp: true) == true)
        _ = try Fixtures.writer(path).close()
        #expect(try applicationID(path) == 7)
    }

    /// A stamped file in WAL mode (as every argus-trace database is) whose tables were changed:
    /// refused on the writer's connection, the file as it was, its -wal and -shm gone again.
    @Test func aStampedWALDatabaseWithOtherTablesIsRefusedUntouched() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/changed.db"
        try Fixtures.realDatabase(at: path)
        do {
            let database = try SQLiteDatabase(path: path)
            #expect(try database.scalar("PRAGMA application_id") == Schema.applicationID)
            try database.execute("DROP TABLE group_samples")
            try database.execute("CREATE TABLE group_samples (id INTEGER PRIMARY KEY, cpu REAL)")
            try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        #expect(!FileState.exists(path + "-wal"))
        #expect(try DatabaseProbe.check(path, trustingStamp: true) == false)
        let before = FileState(path)
        #expect(throws: StoreRefusal.self) { _ = try Fixtures.writer(path).close() }
        #expect(FileState(path) == before)
        #expect(!FileState.exists(path + "-wal"))
        #expect(!FileState.exists(path + "-shm"))
    }

    /// A WAL or a rollback journal beside a stamped file: the writer's connection would
    /// checkpoint or roll it back into the file, so the probe checks it whole.
    @Test(arguments: ["-wal", "-journal"])
    func aWALOrRollbackJournalBesideAStampedFileIsNeverTrusted(suffix: String) throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/beside.db"
        try Fixtures.realDatabase(at: path)
        // Any bytes: an empty journal is none (SQLite's own test of a hot journal starts there).
        FileState.write(Array(repeating: 1, count: 512), to: path + suffix)
        #expect(try DatabaseProbe.check(path, trustingStamp: true) == true)
    }

    @Test func aStampedFileAtAnOlderVersionIsCheckedWhole() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/older.db"
        let database = try SQLiteDatabase(path: path)
        try Schema.migrate(database, upTo: Schema.version - 1)
        #expect(try database.scalar("PRAGMA application_id") == Schema.applicationID)
        #expect(try DatabaseProbe.check(path, trustingStamp: true) == true)
    }
}
