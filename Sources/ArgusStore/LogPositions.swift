import ArgusCore

/// Where the database's rows of a followed log end, read when a recording starts so it can
/// resume there (`--logfile-start resume`). Total over what a file may hold: a row whose inode
/// or offset is not a non-negative integer is not a position, and no stored number can make the
/// arithmetic overflow.
public enum LogPositions {
    /// The end of the last stored line of `path` (as LogTail records it: absolute), from the
    /// path's last row (greatest id: rows are inserted in the order they were read); nil when
    /// the database holds none, or cannot be read (then following starts as it did before).
    /// Opens `database` read-only with its own connection.
    public static func last(path: String, inDatabase database: String) -> LogPosition? {
        guard let connection = try? SQLiteDatabase(path: database, readOnly: true) else { return nil }
        connection.setBusyTimeout(milliseconds: 1000)
        return try? last(path: path, in: connection)
    }

    static func last(path: String, in database: SQLiteDatabase) throws(SQLiteError) -> LogPosition? {
        guard try database.scalar("PRAGMA user_version") ?? 0 >= 2 else { return nil }  // no offsets before 2
        let statement = try database.prepare(
            """
            SELECT file_inode, file_offset, partial,
                coalesce(length(CAST(log_line_raw AS BLOB)), length(CAST(log_line AS BLOB)), 0)
            FROM log_entries
            WHERE logfile_path = ?1 AND typeof(file_inode) = 'integer' AND typeof(file_offset) = 'integer'
            ORDER BY id DESC LIMIT 1
            """)
        statement.bind([.text(path)])
        guard try statement.step(), let inode = statement.int64(0), let offset = statement.int64(1), offset >= 0
        else { return nil }
        let length = max(statement.int64(3) ?? 0, 0)
        let partial = (statement.int64(2) ?? 0) != 0
        let end = UInt64(offset).addingReportingOverflow(UInt64(length) + 1)
        guard !end.overflow else { return nil }
        return LogPosition(
            inode: UInt64(bitPattern: inode), lineOffset: UInt64(offset), byteLength: UInt64(length), partial: partial)
    }
}
