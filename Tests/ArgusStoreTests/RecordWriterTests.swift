import ArgusCore
import ArgusStore
import Glibc
import Testing

@Suite struct RecordWriterTests {
    @Test func writesEveryRowAndTheSession() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/nested/dir/argus.db"
        let warnings = WarningLog()
        let writer = RecordWriter(.init(path: path, session: Fixtures.session), warn: warnings.append)
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

    @Test func createsTheFilePrivateInAPrivateDirectory() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/private/argus.db"
        let writer = RecordWriter(.init(path: path, session: Fixtures.session), warn: { _ in })
        writer.submit(Fixtures.metric(0), urgent: true)
        _ = writer.close()
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(scratch.path + "/private", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test func anUrgentRowIsVisibleBeforeTheBatchDelay() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        var configuration = RecordWriter.Configuration(path: path, session: Fixtures.session)
        configuration.maxDelayNs = 60_000_000_000  // only urgency can make it visible in time
        let writer = RecordWriter(configuration, warn: { _ in })
        writer.submit(Fixtures.terminated(code: 0), urgent: true)
        #expect(Fixtures.eventually { Fixtures.count("process_events", in: path) == 1 })
        _ = writer.close()
    }

    @Test func anUnusablePathWarnsOnceKeepsRowsAndSavesThemWhenItHeals() throws {
        let scratch = ScratchDirectory()
        let blocker = scratch.path + "/db"
        // A regular file where the database's directory should be: even root cannot write there.
        close(open(blocker, O_CREAT | O_WRONLY, 0o600))
        let path = blocker + "/argus.db"
        var configuration = RecordWriter.Configuration(path: path, session: Fixtures.session)
        configuration.retryDelayNs = 20_000_000
        let warnings = WarningLog()
        let writer = RecordWriter(configuration, warn: warnings.append)
        writer.submit((0..<50).map(Fixtures.metric), urgent: true)
        #expect(Fixtures.eventually { warnings.all.count == 1 })
        writer.submit((50..<100).map(Fixtures.metric), urgent: true)
        #expect(writer.backlog == 100)

        unlink(blocker)
        mkdir(blocker, 0o700)
        #expect(Fixtures.eventually { Fixtures.count("performance_metrics", in: path) == 100 })
        let report = writer.close()
        #expect(report.unsaved == 0)
        #expect(warnings.all.count == 2)  // the failure once, the recovery once
        #expect(warnings.all.first?.contains("cannot write to the database") == true)
    }

    @Test func rowsThatCannotBeSavedAreCountedAtClose() {
        let scratch = ScratchDirectory()
        let blocker = scratch.path + "/db"
        close(open(blocker, O_CREAT | O_WRONLY, 0o600))
        let warnings = WarningLog()
        let writer = RecordWriter(.init(path: blocker + "/argus.db", session: Fixtures.session), warn: warnings.append)
        writer.submit((0..<10).map(Fixtures.metric))
        let report = writer.close()
        #expect(report.unsaved == 10)
        #expect(report.metricsWritten == 0)
        #expect(report.lastError?.contains("Not a directory") == true)
    }

    @Test func aLockedDatabaseDelaysButLosesNothing() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        var configuration = RecordWriter.Configuration(path: path, session: Fixtures.session)
        configuration.retryDelayNs = 20_000_000
        let warnings = WarningLog()
        let writer = RecordWriter(configuration, warn: warnings.append)
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

    @Test func aBoundedQueueDropsTheOldestAndCountsThem() {
        let scratch = ScratchDirectory()
        let blocker = scratch.path + "/db"
        close(open(blocker, O_CREAT | O_WRONLY, 0o600))
        var configuration = RecordWriter.Configuration(path: blocker + "/argus.db", session: Fixtures.session)
        configuration.maxQueued = 100
        let writer = RecordWriter(configuration, warn: { _ in })
        writer.submit((0..<250).map(Fixtures.metric))
        #expect(writer.backlog == 100)
        #expect(writer.close().unsaved == 250)
    }
}
