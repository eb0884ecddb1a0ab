import ArgusCore
import ArgusStore
import Glibc
import Testing

@Suite struct RecordWriterTests {
    @Test func writesEveryRowAndTheSession() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let warnings = WarningLog()
        let writer = try Fixtures.writer(path, warn: warnings.append)
        writer.submit((0..<2_500).map(Fixtures.metric))
        writer.submit(Fixtures.terminated(code: 7), urgent: true)
        writer.submit(.session(SessionUpdate(appName: "App", targetPid: 42, endReason: "target exited")))
        let report = writer.close()

        #expect(report.metricsWritten == 2_500)
        #expect(report.eventsWritten == 1)
        #expect(report.unsaved == 0)
        #expect(warnings.all.isEmpty)
        #expect(Fixtures.count("performance_metrics", in: path) == 2_500)
        let database = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try database.scalar("SELECT exit_code FROM process_events WHERE event_type = 'terminated'") == 7)
        #expect(try database.scalar("SELECT target_pid FROM sessions") == 42)
        #expect(try database.scalar("SELECT count(DISTINCT session_id) FROM performance_metrics") == 1)
    }

    @Test func anUrgentRowIsVisibleBeforeTheBatchDelay() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        // Only urgency can make it visible in time.
        let writer = try Fixtures.writer(path, configure: { $0.maxDelayNs = 60_000_000_000 })
        writer.submit(Fixtures.terminated(code: 0), urgent: true)
        #expect(Fixtures.eventually { Fixtures.count("process_events", in: path) == 1 })
        _ = writer.close()
    }

    /// The writer looks once after a write and then sleeps until a row comes: a row submitted
    /// then must wake it, and is committed within the delay, not left for close.
    @Test func aRowAfterAnIdleSpellIsCommittedWithinTheDelay() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path, configure: { $0.maxDelayNs = 100_000_000 })
        for index in 0..<3 {
            usleep(400_000)  // longer than a look: the writer sleeps until woken (any phase passes)
            writer.submit(Fixtures.metric(index))
            #expect(
                Fixtures.eventually(timeoutMs: 3_000) {
                    Fixtures.count("performance_metrics", in: path) == Int64(index + 1)
                })
        }
        _ = writer.close()
    }

    @Test func rowsThatCannotBeSavedAreCountedAtClose() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        let other = try SQLiteDatabase(path: path)
        try other.execute("BEGIN EXCLUSIVE")
        writer.submit((0..<10).map(Fixtures.metric))
        let report = writer.close()
        #expect(report.unsaved == 10)
        #expect(report.metricsWritten == 0)
        #expect(report.lastError?.contains("locked") == true)
        try other.execute("COMMIT")
    }

    @Test func aLockedDatabaseDelaysButLosesNothing() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let warnings = WarningLog()
        let writer = try Fixtures.writer(path, warn: warnings.append, configure: { $0.retryDelayNs = 20_000_000 })
        writer.submit(Fixtures.metric(0), urgent: true)
        #expect(Fixtures.eventually { Fixtures.count("performance_metrics", in: path) == 1 })

        let other = try SQLiteDatabase(path: path)
        try other.execute("BEGIN EXCLUSIVE")
        writer.submit((1..<200).map(Fixtures.metric), urgent: true)
        #expect(Fixtures.eventually { !warnings.all.isEmpty })
        try other.execute("COMMIT")
        #expect(Fixtures.eventually { Fixtures.count("performance_metrics", in: path) == 200 })
        #expect(writer.close().unsaved == 0)
    }

    @Test func aQueueBoundedByBytesDropsTheOldestAndCountsThem() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path, configure: { $0.maxQueuedBytes = 10_000 })
        let other = try SQLiteDatabase(path: path)
        try other.execute("BEGIN EXCLUSIVE")
        writer.submit((0..<250).map(Fixtures.metric))
        #expect(writer.backlog > 0 && writer.backlog < 100)
        // One line larger than the whole bound goes at once, and takes what was queued with it.
        writer.submit(Fixtures.log(String(repeating: "x", count: 20_000)))
        #expect(writer.backlog == 0)
        let report = writer.close()
        #expect(report.unsaved == 251)
        #expect(report.peakBacklogBytes > 0 && report.peakBacklogBytes <= 10_000)
        try other.execute("COMMIT")
    }
}
