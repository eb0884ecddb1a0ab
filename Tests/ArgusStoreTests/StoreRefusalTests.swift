import ArgusStore
import Glibc
import Testing

/// A database that cannot be used is refused when the writer is made, with one line, and the
/// file is left byte for byte as it was, with no -wal or -shm beside it.
@Suite struct StoreRefusalTests {
    func expectRefused(_ path: String, saying words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = FileState(path)
        var refusal: StoreRefusal?
        do {
            let writer = try Fixtures.writer(path)
            _ = writer.close()
        } catch let error as StoreRefusal {
            refusal = error
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(refusal != nil, "not refused", sourceLocation: sourceLocation)
        if let refusal {
            #expect(refusal.message.contains(path), sourceLocation: sourceLocation)
            #expect(refusal.message.contains(words), "\(refusal.message)", sourceLocation: sourceLocation)
            #expect(!refusal.message.contains("\n"), sourceLocation: sourceLocation)
        }
        #expect(FileState(path) == before, "the file changed", sourceLocation: sourceLocation)
        #expect(!FileState.exists(path + "-wal"), sourceLocation: sourceLocation)
        #expect(!FileState.exists(path + "-shm"), sourceLocation: sourceLocation)
        #expect(!FileState.exists(path + "-journal"), sourceLocation: sourceLocation)
    }

    @Test func aFileThatIsNotSQLiteIsRefused() {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/notes.db"
        FileState.write(Array(String(repeating: "this is not sqlite ", count: 100).utf8), to: path)
        expectRefused(path, saying: "not an SQLite database")
    }

    @Test func aTruncatedDatabaseIsRefused() throws {
        let scratch = ScratchDirectory()
        let real = scratch.path + "/real.db"
        try Fixtures.realDatabase(at: real)
        let path = scratch.path + "/truncated.db"
        FileState.write(Array(FileState(real).bytes.prefix(1000)), to: path)
        expectRefused(path, saying: "damaged")
    }

    @Test func aCorruptDatabaseIsRefused() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/corrupt.db"
        try Fixtures.realDatabase(at: path)
        // Keep the header, overwrite the rest of the first page (the schema) with garbage.
        var bytes = FileState(path).bytes
        for index in 100..<min(4096, bytes.count) { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
        FileState.write(bytes, to: path)
        expectRefused(path, saying: "damaged")
    }

    @Test func anotherApplicationsTableOfTheSameNameIsRefused() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/other.db"
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("CREATE TABLE performance_metrics (id INTEGER PRIMARY KEY, cpu REAL, note TEXT)")
            try database.execute("INSERT INTO performance_metrics (cpu, note) VALUES (1.5, 'theirs')")
        }
        expectRefused(path, saying: "performance_metrics")
    }

    @Test func aGazeTableWithFewerColumnsThanItsVersionHasIsRefused() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/gaze.db"
        do {
            let database = try SQLiteDatabase(path: path)
            try Schema.migrate(database, upTo: 1)
            try database.execute("ALTER TABLE log_entries RENAME TO old_logs")
            try database.execute("CREATE TABLE log_entries (id INTEGER PRIMARY KEY, log_line TEXT)")
        }
        expectRefused(path, saying: "log_entries lacks the column(s)")
    }

    @Test func aGroupSamplesTableInADatabaseOfVersion6IsRefused() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/v6-other.db"
        do {
            let database = try SQLiteDatabase(path: path)
            try Schema.migrate(database, upTo: 6)
            try database.execute("CREATE TABLE group_samples (id INTEGER PRIMARY KEY, name TEXT)")
        }
        expectRefused(path, saying: "a table group_samples that argus-trace did not create")
    }

    @Test func aGroupSamplesTableWithOtherColumnsIsRefused() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/v7-other.db"
        do {
            let database = try SQLiteDatabase(path: path)
            try Schema.migrate(database)
            try database.execute("DROP TABLE group_samples")
            try database.execute("CREATE TABLE group_samples (id INTEGER PRIMARY KEY, session_id INTEGER, cpu REAL)")
        }
        expectRefused(path, saying: "group_samples lacks the column(s)")
    }

    @Test func aDatabaseFromANewerArgusTraceIsRefused() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/newer.db"
        try Fixtures.realDatabase(at: path)
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA user_version = \(Schema.version + 1)")
        }
        #expect(!FileState.exists(path + "-wal"))
        expectRefused(path, saying: "newer argus-trace")
    }

    @Test func aNegativeSchemaVersionIsRefused() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/negative.db"
        try Fixtures.realDatabase(at: path)
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA user_version = -3")
        }
        expectRefused(path, saying: "negative")
    }

    @Test func aDirectoryIsRefused() {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/adir"
        mkdir(path, 0o700)
        expectRefused(path, saying: "it is a directory")
        var info = stat()
        #expect(stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR)
    }

    @Test func aPathBelowAFileIsRefused() {
        let scratch = ScratchDirectory()
        let blocker = scratch.path + "/db"
        close(open(blocker, O_CREAT | O_WRONLY, 0o600))
        let refusal = #expect(throws: StoreRefusal.self) { _ = try Fixtures.writer(blocker + "/argus.db").close() }
        #expect(refusal?.message.contains("cannot open it for writing") == true)
        #expect(refusal?.message.contains("Not a directory") == true)
    }

    @Test func anEmptyFileIsANewDatabase() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/empty.db"
        close(open(path, O_CREAT | O_WRONLY, 0o600))
        let writer = try Fixtures.writer(path)
        writer.submit(Fixtures.metric(0), urgent: true)
        #expect(writer.close().unsaved == 0)
        #expect(Fixtures.count("performance_metrics", in: path) == 1)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)  // the caller's mode is kept
    }

    @Test func aMissingFileIsCreated() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/new.db"
        let writer = try Fixtures.writer(path)
        _ = writer.close()
        #expect(Fixtures.count("sessions", in: path) == 1)
    }

    @Test func aLiveDatabaseOfAnotherRunIsShared() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/shared.db"
        let first = try Fixtures.writer(path)
        first.submit(Fixtures.metric(0), urgent: true)
        #expect(Fixtures.eventually { Fixtures.count("performance_metrics", in: path) == 1 })
        let second = try Fixtures.writer(path)  // -wal exists: probed through it, accepted
        second.submit(Fixtures.metric(1), urgent: true)
        _ = second.close()
        _ = first.close()
        #expect(Fixtures.count("sessions", in: path) == 2)
        #expect(Fixtures.count("performance_metrics", in: path) == 2)
    }
}
