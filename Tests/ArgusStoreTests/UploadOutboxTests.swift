import ArgusCore
import ArgusStore
import Foundation
import Testing

@Suite struct UploadOutboxTests {
    let now = RetentionFixture.now
    let day = RetentionFixture.day

    /// Three ended sessions of 5 metrics, 5 log lines and an event each.
    func database(_ scratch: ScratchDirectory) throws -> String {
        let path = scratch.path + "/argus.db"
        _ = try RetentionFixture.fill(path, days: 3, rows: 5, live: false)
        return path
    }

    @Test func pendingRowsComeInIdOrderPerTableAndTheCursorOnlyMovesForward() throws {
        let scratch = ScratchDirectory()
        let path = try database(scratch)
        let outbox = try UploadOutbox(path: path, server: "http://a")
        let rows = try outbox.pending(session: 2)
        #expect(rows.count == 11)
        for table in UploadOutbox.Table.allCases {
            let ids = rows.filter { $0.table == table }.map(\.id)
            #expect(ids == ids.sorted(), "\(table)")
        }
        guard
            case .performanceMetric(let common, _, _, let threads) = rows.first(where: { $0.table == .metrics })?
                .payload
        else {
            Issue.record("no metric row")
            return
        }
        #expect(common.appName == "App" && common.processID == 42 && threads == 3)
        for row in rows.prefix(4) { try outbox.sent(row, session: 2, atNs: now) }
        #expect(try outbox.remaining(session: 2) == 7)
        #expect(try outbox.pending(session: 2).map(\.id) == rows.dropFirst(4).map(\.id))
        // An older row's acknowledgement never moves a cursor back.
        try outbox.sent(rows[0], session: 2, atNs: now)
        #expect(try outbox.remaining(session: 2) == 7)
        // Another server has a cursor of its own.
        #expect(try UploadOutbox(path: path, server: "http://b").remaining(session: 2) == 11)
    }

    @Test func pruneKeepsSessionsTheServerHasNotTakenAndRemovesTheirCursorsWithThem() throws {
        let scratch = ScratchDirectory()
        let path = try database(scratch)
        let outbox = try UploadOutbox(path: path, server: "http://a")
        try outbox.register(session: 1, atNs: now)
        try outbox.register(session: 2, atNs: now)
        for row in try outbox.pending(session: 2) { try outbox.sent(row, session: 2, atNs: now) }
        let report = try Prune.run(
            path: path, rule: RetentionRule(keepSessions: 0), dryRun: false, vacuum: false, nowNs: now)
        #expect(report.sessions == [2, 3])
        #expect(report.uploadPendingKept == 1)
        #expect(try RetentionFixture.sessionIDs(in: path) == [1])
        let rows = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try rows.scalar("SELECT count(*) FROM upload_cursors WHERE session_id = 2") == 0)
        #expect(try rows.scalar("SELECT count(*) FROM upload_cursors WHERE session_id = 1") == 3)
    }
}

/// No content of Gaze's tables stops the upload: odd values still make valid JSON payloads.
@Suite struct UploadOutboxTotalityTests {
    @Test func oddColumnValuesStillMakeValidPayloads() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        _ = try RetentionFixture.fill(path, days: 1, rows: 0, live: false)
        try SQLiteDatabase(path: path).execute(
            """
            INSERT INTO performance_metrics (timestamp, app_name, process_name, process_id, cpu_percent, memory_mb,
                thread_count, hostname, session_id, timestamp_ns)
                VALUES ('t', 'A', 'p', 'not a number', 9e999, -9e999, 'x', NULL, 1, NULL);
            INSERT INTO log_entries (timestamp, app_name, process_name, process_id, log_line, session_id, timestamp_ns)
                VALUES (x'ff00fe', '', '', 9223372036854775807, 'nul' || char(0) || 'and "quotes"\\', 1, 5);
            INSERT INTO process_events (timestamp, app_name, process_name, process_id, event_type, exit_code,
                session_id, timestamp_ns) VALUES ('t', 'A', 'p', 1, 'terminated', 'x', 1, 6);
            """)
        let rows = try UploadOutbox(path: path, server: "http://a").pending(session: 1)
        #expect(rows.count == 6)  // the fixture's session has one row of each already
        for row in rows {
            let json = row.payload.json
            let parsed = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(parsed?["event_type"] != nil, "\(json)")
        }
    }
}
