import CSQLite

/// Looks at an existing database file before the writer opens it for writing, on a connection
/// that reads only, so a file that is refused is left byte for byte as it was (and no -wal or
/// -shm file appears beside it). A missing or empty file is a new database.
enum DatabaseProbe {
    /// Refuses a database that argus-trace cannot write without harm: a directory, a file that
    /// is not SQLite or is damaged, a negative or newer schema version, or a table of this
    /// schema with other columns than the migrations give it (another application's file).
    static func check(_ path: String) throws(StoreRefusal) {
        guard exists(path) else { return }
        do {
            try check(existing: path)
        } catch let refusal as StoreRefusal {
            throw refusal
        } catch let error as SQLiteError where error.isDirectory {
            throw StoreRefusal(path: path, reason: "it is a directory")
        } catch let error as SQLiteError {
            throw StoreRefusal(path: path, reason: "it is not an SQLite database or is damaged: \(error.message)")
        } catch {
            throw StoreRefusal(path: path, reason: "\(error)")
        }
    }

    private static func check(existing path: String) throws {
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
