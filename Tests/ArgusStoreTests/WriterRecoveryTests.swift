import ArgusCore
import ArgusStore
import Testing

/// Failures after the start: rows are kept and retried, and a new connection goes on with the
/// same session row and stall rows. The writer's own losses end up in the session row.
@Suite struct WriterRecoveryTests {
    @Test func aReconnectKeepsTheSessionRowAndTheStallsBegunBeforeTheFailure() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let warnings = WarningLog()
        let writer = try Fixtures.writer(path, warn: warnings.append, configure: { $0.retryDelayNs = 20_000_000 })
        writer.submit(Fixtures.stall(1), urgent: true)
        #expect(Fixtures.eventually { Fixtures.count("stalls", in: path) == 1 })

        // A table the writer needs goes away: the write fails (not a lock), the connection is
        // dropped, and reconnecting fails too until the table is back.
        let other = try SQLiteDatabase(path: path)
        try other.execute("ALTER TABLE process_events RENAME TO process_events_away")
        writer.submit(Fixtures.terminated(code: 3), urgent: true)
        #expect(Fixtures.eventually { warnings.all.count == 1 })
        #expect(writer.backlog == 1)
        try other.execute("ALTER TABLE process_events_away RENAME TO process_events")
        #expect(Fixtures.eventually { Fixtures.count("process_events", in: path) == 1 })

        writer.submit(Fixtures.stallEnd(1, peak: 7), urgent: true)
        let report = writer.close()
        #expect(report.unsaved == 0)
        #expect(warnings.all.count == 2)
        #expect(Fixtures.count("sessions", in: path) == 1)
        let database = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try database.scalar("SELECT count(*) FROM stalls WHERE ended_ns IS NOT NULL AND peak_value = 7") == 1)
        #expect(try database.scalar("SELECT count(DISTINCT session_id) FROM process_events") == 1)
        #expect(
            try database.scalar("SELECT count(*) FROM process_events p JOIN sessions s ON s.id = p.session_id") == 1)
    }

    @Test func theSessionRowCountsWhatWasLost() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        writer.submit((0..<20).map(Fixtures.metric))
        writer.submit(
            .session(SessionUpdate(endedAt: WallTime(nanoseconds: 1_769_523_900_000_000_000), bpfEventsLost: 5)),
            urgent: true)
        let report = writer.close()
        #expect(report.peakBacklogRows >= 21)
        #expect(report.peakBacklogBytes > 0)
        let database = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try database.scalar("SELECT bpf_events_lost FROM sessions") == 5)
        #expect(try database.scalar("SELECT rows_unsaved FROM sessions") == 0)
        #expect(try database.scalar("SELECT writer_peak_backlog_rows FROM sessions") == Int64(report.peakBacklogRows))
        #expect(
            try database.scalar("SELECT writer_peak_backlog_bytes FROM sessions") == Int64(report.peakBacklogBytes))
    }

    @Test func closingWithoutASessionEndStillRecordsTheWritersNumbers() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        writer.submit((0..<5).map(Fixtures.metric))
        let report = writer.close()
        let database = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try database.scalar("SELECT writer_peak_backlog_rows FROM sessions") == Int64(report.peakBacklogRows))
        #expect(try database.scalar("SELECT rows_unsaved FROM sessions") == 0)
        #expect(try database.scalar("SELECT bpf_events_lost FROM sessions") == nil)
    }
}
