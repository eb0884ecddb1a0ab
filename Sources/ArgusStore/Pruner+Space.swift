/// The file's size in pages, and giving freed pages back to the file system.
extension Pruner {
    /// The file's bytes (page_count × page_size) and those in use (not on the free list).
    func pageBytes() throws(SQLiteError) -> (total: Int64, used: Int64) {
        let size = try database.scalar("PRAGMA page_size") ?? 0
        let pages = try database.scalar("PRAGMA page_count") ?? 0
        let free = try database.scalar("PRAGMA freelist_count") ?? 0
        return (pages * size, (pages - free) * size)
    }

    /// PRAGMA auto_vacuum: 0 none, 1 full, 2 incremental.
    func autoVacuum() throws(SQLiteError) -> Int64 { try database.scalar("PRAGMA auto_vacuum") ?? 0 }

    /// With auto_vacuum = INCREMENTAL, hands up to `pages` free pages back to the file system
    /// (PRAGMA incremental_vacuum, its own short transaction); false when none are left or the
    /// file cannot shrink this way.
    func shrinkStep(pages: Int = 1_000) throws(SQLiteError) -> Bool {
        guard try autoVacuum() == 2, (try database.scalar("PRAGMA freelist_count") ?? 0) > 0 else { return false }
        try database.execute("PRAGMA incremental_vacuum(\(pages))")
        return true
    }

    /// Rewrites the whole file (VACUUM), switching it to auto_vacuum = INCREMENTAL first so that
    /// later prunes (and a recorder's --retention) give space back without a VACUUM; then
    /// checkpoints the WAL into the file and truncates it. Needs every other writer to pause
    /// for as long as it takes.
    func vacuum() throws(SQLiteError) {
        try database.execute("PRAGMA auto_vacuum = INCREMENTAL")
        try database.execute("VACUUM")
        try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}
