import ArgusCore
import ArgusStore
import Dispatch
import Glibc
import Testing

@Suite struct WriterRetentionTests {
    let day = RetentionFixture.day

    @Test func theWriterRemovesOldSessionsWhileItRecordsAndKeepsItsOwn() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let unfinished = try #require(try RetentionFixture.fill(path))
        let warnings = WarningLog()
        let writer = try Fixtures.writer(path, warn: warnings.append) { configuration in
            configuration.retention = RetentionPolicy(
                rule: RetentionRule(olderThanNs: UInt64(30 * day)), periodNs: 300_000_000,
                wallClockNs: { RetentionFixture.now })
            configuration.maxDelayNs = 20_000_000
        }
        // Recording goes on while the first pass runs: every batch is saved.
        for batch in 0..<20 {
            writer.submit((batch * 100..<(batch + 1) * 100).map(Fixtures.metric))
            usleep(20_000)
        }
        // 30 ended sessions go; 30 newer ones, the unfinished one and the writer's own stay.
        #expect(Fixtures.eventually(timeoutMs: 20_000) { (try? RetentionFixture.sessionIDs(in: path).count) == 32 })

        // A later pass (every 300 ms here) removes an old session another process added meanwhile.
        let other = try SQLiteDatabase(path: path)
        other.setBusyTimeout(milliseconds: 5_000)
        let late = try RetentionFixture.addSession(
            other, started: RetentionFixture.now - 45 * day, ended: RetentionFixture.now - 44 * day, rows: 10)
        #expect(
            Fixtures.eventually(timeoutMs: 10_000) {
                (try? RetentionFixture.sessionIDs(in: path).contains(late)) == false
            })

        let report = writer.close()
        #expect(report.metricsWritten == 2_000)
        #expect(report.unsaved == 0)
        #expect(report.retentionSessionsRemoved == 31)
        #expect(warnings.all.isEmpty, "\(warnings.all)")
        let ids = try RetentionFixture.sessionIDs(in: path)
        #expect(ids.contains(unfinished))
        let database = try SQLiteDatabase(path: path, readOnly: true)
        let own = try #require(
            try database.scalar(
                "SELECT max(id) FROM sessions WHERE version = 'test' AND mode = 'watch' AND arguments != '[]'"))
        #expect(try database.scalar("SELECT count(*) FROM performance_metrics WHERE session_id = \(own)") == 2_000)
        for (table, count) in try RetentionFixture.orphans(in: path) { #expect(count == 0, "orphans in \(table)") }
    }

    @Test func pruneBesideARunningWriterLosesNoRow() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        try RetentionFixture.fill(path, rows: 200)
        let warnings = WarningLog()
        let writer = try Fixtures.writer(path, warn: warnings.append) { $0.maxDelayNs = 10_000_000 }
        let feeder = DispatchGroup()
        DispatchQueue.global().async(group: feeder) {
            for batch in 0..<100 {
                writer.submit((batch * 50..<(batch + 1) * 50).map(Fixtures.metric))
                usleep(5_000)
            }
        }
        let report = try Prune.run(
            path: path, rule: RetentionRule(olderThanNs: UInt64(30 * day)), dryRun: false, vacuum: false,
            nowNs: RetentionFixture.now)
        feeder.wait()
        let written = writer.close()
        #expect(report.sessions.count == 30)
        #expect(written.metricsWritten == 5_000)
        #expect(written.unsaved == 0)
        // On a loaded machine a prune transaction can outlast the writer's 200 ms lock wait: the
        // writer then keeps the batch and retries it, which is all it may do.
        #expect(warnings.all.allSatisfy { $0.contains("locked") || $0.contains("work again") }, "\(warnings.all)")
        for (table, count) in try RetentionFixture.orphans(in: path) { #expect(count == 0, "orphans in \(table)") }
    }

    @Test func aNewDatabaseGivesFreedPagesBackWithoutVacuum() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        _ = try Fixtures.writer(path).close()
        let database = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try database.scalar("PRAGMA auto_vacuum") == 2)
    }
}
