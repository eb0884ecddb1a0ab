import ArgusCore
import ArgusStore
import Testing

@Suite struct AlertRowTests {
    func alert(_ id: Int, rule: String, instant: Bool, at ns: Int64) -> Record {
        .alert(
            AlertRecord(
                id: id, rule: rule, ruleIndex: 0, appName: "App", fired: WallTime(nanoseconds: ns), value: 93.5,
                pid: instant ? 42 : nil, processName: instant ? "worker" : nil, detail: "cpu 93.5% > 80",
                isInstant: instant))
    }

    @Test func aFiringIsARowThatItsClearingCompletesAndAnInstantOneIsClearedAtOnce() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        writer.submit([
            alert(1, rule: "cpu > 80", instant: false, at: 1_000),
            alert(2, rule: "exit != 0", instant: true, at: 2_000),
        ])
        writer.submit(
            .alertCleared(
                AlertClearRecord(
                    id: 1, rule: "cpu > 80", cleared: WallTime(nanoseconds: 5_000), value: 3, reason: "recovered")),
            urgent: true)
        writer.submit(.session(SessionUpdate(endedAt: WallTime(nanoseconds: 9_000), endReason: "done")))
        #expect(writer.close().unsaved == 0)

        let database = try SQLiteDatabase(path: path, readOnly: true)
        let statement = try database.prepare(
            """
            SELECT alert_number, rule, fired_at_ns, value, cleared_at_ns, cleared_value, clear_reason, process_id,
                process_name, session_id FROM alerts ORDER BY alert_number
            """)
        #expect(try statement.step())
        #expect(statement.int64(0) == 1 && statement.text(1) == "cpu > 80" && statement.int64(2) == 1_000)
        #expect(statement.double(3) == 93.5 && statement.int64(4) == 5_000 && statement.double(5) == 3)
        #expect(statement.text(6) == "recovered" && statement.int64(7) == nil && statement.int64(9) == 1)
        #expect(try statement.step())
        #expect(statement.int64(0) == 2 && statement.int64(4) == 2_000 && statement.text(6) == nil)
        #expect(statement.int64(7) == 42 && statement.text(8) == "worker")
        #expect(try !statement.step())
    }

    @Test func pruneRemovesASessionsAlertsWithIt() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        writer.submit([alert(1, rule: "stall", instant: false, at: 1_000)])
        writer.submit(.session(SessionUpdate(endedAt: WallTime(nanoseconds: 9_000), endReason: "done")))
        _ = writer.close()
        #expect(Fixtures.count("alerts", in: path) == 1)
        let report = try Prune.run(
            path: path, rule: RetentionRule(keepSessions: 0), dryRun: false, vacuum: false, nowNs: 10_000)
        #expect(report.sessions.count == 1)
        #expect(Fixtures.count("alerts", in: path) == 0)
    }
}
