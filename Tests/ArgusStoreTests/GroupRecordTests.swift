import ArgusCore
import ArgusStore
import Testing

/// A watched service as a whole: its group rows, its incarnations (generations) and restarts are
/// stored as given and read back column by column.
@Suite struct GroupRecordTests {
    static let sampleColumns = [
        "id", "session_id", "timestamp", "timestamp_ns", "hostname", "app_name", "generation", "process_count",
        "cpu_percent_total", "cpu_percent_avg", "memory_mb_total", "memory_mb_avg", "thread_count",
        "processes_started", "processes_ended",
    ]

    func columns(_ table: String, _ database: SQLiteDatabase) throws -> [String] {
        let statement = try database.prepare("SELECT name FROM pragma_table_info('\(table)') ORDER BY cid")
        var names: [String] = []
        while try statement.step() { names.append(statement.text(0) ?? "") }
        return names
    }

    @Test func aGroupSampleRoundTripsEveryColumn() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        writer.submit(Fixtures.groupSample(generation: 3))
        let report = writer.close()
        #expect(report.groupSamplesWritten == 1)
        #expect(report.unsaved == 0)

        let database = try SQLiteDatabase(path: path, readOnly: true)
        // The test reads every column the table has: a new one must be added here too.
        #expect(try columns("group_samples", database) == Self.sampleColumns)
        let statement = try database.prepare(
            "SELECT \(Self.sampleColumns.joined(separator: ", ")), (SELECT id FROM sessions) FROM group_samples")
        #expect(try statement.step())
        #expect(statement.int64(0) != nil)
        #expect(statement.int64(1) == statement.int64(15))
        #expect(statement.text(2) == "2026-01-27T14:23:47.250Z")
        #expect(statement.int64(3) == 1_769_523_827_250_000_000)
        #expect(statement.text(4) == "host")
        #expect(statement.text(5) == "Service")
        #expect(statement.int64(6) == 3)
        #expect(statement.int64(7) == 4)
        #expect(statement.double(8) == 150.5)
        #expect(statement.double(9) == 37.625)
        #expect(statement.double(10) == 812.25)
        #expect(statement.double(11) == 203.0625)
        #expect(statement.int64(12) == 17)
        #expect(statement.int64(13) == 2)
        #expect(statement.int64(14) == 1)
        #expect(try !statement.step())
    }

    @Test func aRestartedEventAndItsProcessKeepTheirGeneration() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        let time = WallTime(nanoseconds: 1_769_523_840_000_000_000)
        writer.submit(
            .event(
                ProcessEventRecord(
                    time: time, appName: "Service", processName: "service", pid: 4242, type: .restarted,
                    parentPid: 1, startTicks: 9_000, source: "proc_connector", detail: "after exit 1", generation: 2)))
        writer.submit(
            .process(
                ProcessRecord(
                    pid: 4242, parentPid: 1, comm: "service", exe: "/usr/bin/service", argv: ["service"],
                    started: time, ended: nil, status: nil, statusSource: nil, execs: 0, generation: 2)))
        writer.submit(Fixtures.terminated(code: 0))  // a fact with no generation
        #expect(writer.close().eventsWritten == 2)

        let database = try SQLiteDatabase(path: path, readOnly: true)
        let statement = try database.prepare(
            """
            SELECT event_type, generation, process_id, parent_pid, start_time_ticks, source, detail, timestamp_ns
            FROM process_events WHERE event_type = 'restarted'
            """)
        #expect(try statement.step())
        #expect(statement.text(0) == "restarted")
        #expect(statement.int64(1) == 2)
        #expect(statement.int64(2) == 4242)
        #expect(statement.int64(3) == 1)
        #expect(statement.int64(4) == 9_000)
        #expect(statement.text(5) == "proc_connector")
        #expect(statement.text(6) == "after exit 1")
        #expect(statement.int64(7) == time.nanoseconds)
        #expect(try !statement.step())
        #expect(try database.scalar("SELECT generation FROM processes WHERE pid = 4242") == 2)
        #expect(try database.scalar("SELECT count(*) FROM process_events WHERE generation IS NULL") == 1)
    }

    @Test func restartsAreKeptUntilAnUpdateSaysMore() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        writer.submit(.session(SessionUpdate(appName: "Service", restarts: 1)), urgent: true)
        #expect(Fixtures.eventually { Fixtures.count("sessions WHERE restarts = 1", in: path) == 1 })
        writer.submit(.session(SessionUpdate(targetPid: 4242)), urgent: true)  // says nothing of restarts
        #expect(Fixtures.eventually { Fixtures.count("sessions WHERE target_pid = 4242", in: path) == 1 })
        #expect(Fixtures.count("sessions WHERE restarts = 1", in: path) == 1)
        writer.submit(
            .session(SessionUpdate(endedAt: WallTime(nanoseconds: 1_769_523_900_000_000_000), restarts: 2)),
            urgent: true)
        _ = writer.close()

        let database = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try database.scalar("SELECT restarts FROM sessions") == 2)
        #expect(try database.scalar("SELECT target_pid FROM sessions") == 4242)
        #expect(try database.scalar("SELECT rows_unsaved FROM sessions") == 0)  // the writer's numbers still go in
    }

    @Test func aSessionWithoutRestartsLeavesTheColumnNull() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        writer.submit(.session(SessionUpdate(endedAt: WallTime(nanoseconds: 1_769_523_900_000_000_000))))
        _ = writer.close()
        let database = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try database.scalar("SELECT count(*) FROM sessions WHERE restarts IS NULL") == 1)
    }
}

extension Fixtures {
    static func groupSample(generation: Int) -> Record {
        .groupSample(
            GroupSampleRecord(
                time: WallTime(nanoseconds: 1_769_523_827_250_000_000), appName: "Service", generation: generation,
                processCount: 4, cpuPercentTotal: 150.5, cpuPercentAverage: 37.625, memoryMBTotal: 812.25,
                memoryMBAverage: 203.0625, threadCount: 17, processesStarted: 2, processesEnded: 1))
    }
}
