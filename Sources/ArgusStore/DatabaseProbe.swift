import CSQLite

/// Looks at an existing database file before the writer opens it for writing, on a connection
/// that reads only, so a file that is refused is left byte for byte as it was (and no -wal or
/// -shm file appears beside it). A missing or empty file is a new database.
enum DatabaseProbe {
    /// Refuses a database that argus-trace cannot write without harm: a directory, a file that
    /// is not SQLite or is damaged, a negative or newer schema version, or a table of this
    /// schema with other columns than the migrations give it (another application's file).
    /// `trustingStamp` (the writer): a file whose header says argus-trace wrote it at this
    /// schema version (application_id Schema.applicationID), with neither a rollback journal
    /// nor a WAL beside it (the writer's connection would roll the one back, and checkpoint the
    /// other when it closes), has its tables left to `checkTables` on the writer's own
    /// connection, before that writes anything: the writer reads the whole schema anyway, and
    /// reading it here as well cost every start about 0.4 ms. Returns whether the tables were
    /// checked here.
    @discardableResult
    static func check(_ path: String, trustingStamp: Bool = false) throws(StoreRefusal) -> Bool {
        guard exists(path) else { return true }
        do {
            return try check(existing: path, trustingStamp: trustingStamp)
        } catch {
            throw refusal(path, error)
        }
    }

    /// The tables of a database whose header the probe trusted, checked on the writer's
    /// connection before it writes anything (`check`, trustingStamp). Throws the StoreRefusal,
    /// or the SQLiteError as it came (a busy lock is not a damaged file: the writer says which).
    static func checkTables(in database: SQLiteDatabase, path: String) throws {
        try checkTables(in: database, version: Int64(Schema.version), path: path)
    }

    /// What the user is told when `error` keeps argus-trace from using the file.
    private static func refusal(_ path: String, _ error: any Error) -> StoreRefusal {
        switch error {
        case let refusal as StoreRefusal:
            refusal
        case let error as SQLiteError where error.isDirectory:
            StoreRefusal(path: path, reason: "it is a directory")
        case let error as SQLiteError:
            StoreRefusal(path: path, reason: "it is not an SQLite database or is damaged: \(error.message)")
        default:
            StoreRefusal(path: path, reason: "\(error)")
        }
    }

    private static func check(existing path: String, trustingStamp: Bool) throws -> Bool {
        let database = try openForReading(path)
        let version = try database.scalar("PRAGMA user_version") ?? 0
        guard version >= 0 else {
            throw StoreRefusal(path: path, reason: "its schema version (user_version \(version)) is negative")
        }
        guard version <= Int64(Schema.version) else {
            throw StoreRefusal(
                path: path,
                reason:
                    "it was written by a newer argus-trace (schema version \(version); this one knows \(Schema.version))"
            )
        }
        if trustingStamp, version == Schema.version, !exists(path + "-journal"), !exists(path + "-wal"),
            try database.scalar("PRAGMA application_id") == Schema.applicationID
        {
            return false
        }
        try checkTables(in: database, version: version, path: path)
        return true
    }

    /// Refuses a database at schema `version` whose tables are not the ones the migrations give.
    private static func checkTables(in database: SQLiteDatabase, version: Int64, path: String) throws {
        if version == Schema.version, try Schema.definitionsDigest(in: database) == Schema.latestDefinitionsDigest {
            return
        }
        let found = try Schema.tables(in: database)
        if version == Schema.version && Schema.digest(found) == Schema.latestTablesDigest { return }
        let latest = try Schema.tables(atVersion: Schema.version)
        let expected = version == Schema.version ? latest : try Schema.tables(atVersion: Int(version))
        for table in latest.keys.sorted() {
            switch (found[table], expected[table]) {
            case (nil, nil): continue
            case (_?, nil):
                throw StoreRefusal(
                    path: path,
                    reason: "it has a table \(table) that argus-trace did not create (another application's database?)")
            case (nil, _?):
                throw StoreRefusal(
                    path: path, reason: "it lacks the table \(table) that its schema version \(version) has")
            case (let columns?, let wanted?):
                let missing = wanted.subtracting(columns).sorted()
                guard missing.isEmpty else {
                    throw StoreRefusal(
                        path: path,
                        reason: "its table \(table) lacks the column(s) \(missing.joined(separator: ", ")) "
                            + "(another application's database?)")
                }
            }
        }
    }

    /// A connection that only reads and disturbs no writer. Without a -wal file beside the
    /// database, `immutable` reads the file alone and creates nothing. With one (a writer is
    /// running, or one crashed), its pages must be read too, through the WAL.
    static func openForReading(_ path: String) throws(SQLiteError) -> SQLiteDatabase {
        let mode: SQLiteDatabase.OpenMode = exists(path + "-wal") ? .readOnly : .readOnlyUntouched
        let database = try SQLiteDatabase(path: path, mode: mode)
        database.setBusyTimeout(milliseconds: 2_000)
        return database
    }

    /// Whether something exists at `path`: the default VFS's xAccess with SQLITE_ACCESS_EXISTS.
    static func exists(_ path: String) -> Bool {
        guard let vfs = sqlite3_vfs_find(nil), let access = vfs.pointee.xAccess else { return false }
        var result: Int32 = 0
        guard access(vfs, path, SQLITE_ACCESS_EXISTS, &result) == SQLITE_OK else { return false }
        return result != 0
    }
}
