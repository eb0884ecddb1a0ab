import ArgusCore
import ArgusStore
import Foundation
import Testing

@testable import ArgusRuntime

/// `argus-trace report` and `sessions` on sessions written by the real RecordWriter.
@Suite struct SessionReportTests {
    @Test func theRunSummaryIsTheOneRunPrintedRebuiltFromTheRows() throws {
        let database = ReportDatabase()
        try database.runTree()
        let report = SessionReport(try database.recording())
        #expect(report.text() == Self.runGolden, "\(report.text())")
        // The same RunReport the run builds from its processes rows at its end.
        let rows = try database.recording().processes
        var live = RunReport(
            command: ["sh", "-c", "build"],
            processes: rows.map { RunProcess($0, isFork: false) },
            rootIndex: rows.firstIndex { $0.pid == 100 }, started: ReportDatabase.time(0),
            ended: ReportDatabase.time(5.5), overflows: 0)
        live.longest = nil
        #expect(report.runReport?.summary() == live.summary())
    }

    static let runGolden = """
        Session 1 (run): sh -c build
        Host: host, kernel 6.18, argus-trace test
        Started: 2026-01-27T14:23:45.000Z, duration 5.5 s
        Ended: command and its processes ended: exit 1

        [argus-trace] run summary: sh -c build -> exit 1 after 5.5 s
        [argus-trace] processes: 9 (6 exited 0, 2 failed, 1 killed by a signal, 0 unknown, 0 still running)
        [argus-trace] tree:
          100 /bin/sh -c build -> exit 1 (5.0 s)
          ├─ 101 /usr/bin/make -> exit 0 (3.9 s)
          │  └─ 102 /usr/bin/cc -c a.c -> exit 1 (1.0 s)
          ├─ 103 /bin/sleep 60 -> killed by SIGKILL (0.1 s)
          └─ 5 × true (exit 0 ×5)
        [argus-trace] failed or killed (3):
          100 /bin/sh -c build -> exit 1 (5.0 s)
          102 /usr/bin/cc -c a.c -> exit 1 (1.0 s)
          103 /bin/sleep 60 -> killed by SIGKILL (0.1 s)
        [argus-trace] longest-running:
          100 /bin/sh -c build -> exit 1 (5.0 s)
          101 /usr/bin/make -> exit 0 (3.9 s)
          102 /usr/bin/cc -c a.c -> exit 1 (1.0 s)

        ID  KIND     PID  PROCESS  STARTED                   DURATION  SNAPSHOTS  TRIGGER           ARGV
        1   stopped  101  make     2026-01-27T14:23:47.000Z  1.0 s     0          1 thread stopped  /usr/bin/make

        """

    @Test func theWatchSummaryIsTheOneTheWatchPrinted() throws {
        let database = ReportDatabase()
        try database.watch()
        let text = SessionReport(try database.recording()).text()
        #expect(text == Self.watchGolden, "\(text)")
    }

    static let watchGolden = """
        Session 1 (watch): app (100)
        Host: host, kernel 6.18, argus-trace test
        Started: 2026-01-27T14:23:45.000Z, duration 4.001 s
        Ended: target exited: exit 3

        [argus-trace] Process terminated (exit code: 3)
        [argus-trace] Total monitoring time: 4.0 seconds
        [argus-trace] Metrics collected: 8
        [argus-trace] Log entries captured: 1
        [argus-trace] Stalls detected: 0

        """

    @Test func theTraceHasOneCompleteSlicePerProcessAndEachExitCarriesItsStatus() throws {
        let database = ReportDatabase()
        try database.runTree()
        let report = SessionReport(try database.recording())
        let object = try JSONSerialization.jsonObject(with: Data(report.trace().utf8)) as? [String: Any]
        let events = try #require(object?["traceEvents"] as? [[String: Any]])
        let slices = events.filter { $0["ph"] as? String == "X" }
        let pids = slices.compactMap { ($0["args"] as? [String: Any])?["pid"] as? Int }
        #expect(pids.sorted() == Array(100...108))
        func args(_ pid: Int) -> [String: Any]? {
            slices.first { ($0["args"] as? [String: Any])?["pid"] as? Int == pid }?["args"] as? [String: Any]
        }
        #expect(args(102)?["exit_code"] as? Int == 1)
        #expect(args(102)?["signal"] is NSNull)
        #expect(args(102)?["ppid"] as? Int == 101)
        #expect(args(102)?["argv"] as? [String] == ["/usr/bin/cc", "-c", "a.c"])
        #expect(args(103)?["exit_code"] as? Int == 137)
        #expect(args(103)?["signal"] as? Int == 9)
        #expect(args(101)?["exit_code"] as? Int == 0)
        // Microseconds from the session's start.
        let make = try #require(slices.first { ($0["args"] as? [String: Any])?["pid"] as? Int == 101 })
        #expect(make["ts"] as? Double == 100_000)
        #expect(make["dur"] as? Double == 3_900_000)
        // Names and sort order in tree order: sh, make, cc, sleep, the trues.
        let order = events.filter { $0["name"] as? String == "process_sort_index" && $0["pid"] as? Int != 0 }
            .sorted {
                (($0["args"] as? [String: Any])?["sort_index"] as? Int ?? 0)
                    < (($1["args"] as? [String: Any])?["sort_index"] as? Int ?? 0)
            }
            .compactMap { $0["pid"] as? Int }
        #expect(order == [100, 101, 102, 103, 104, 105, 106, 107, 108])
        #expect(events.filter { $0["name"] as? String == "process_name" }.count == 10)
        #expect(events.filter { $0["ph"] as? String == "C" && $0["name"] as? String == "CPU %" }.count == 20)
        #expect(events.filter { $0["ph"] as? String == "C" && $0["name"] as? String == "RSS MB" }.count == 20)
        #expect(events.filter { $0["ph"] as? String == "i" }.count == 2)
        let stall = events.filter { $0["cat"] as? String == "stall" }
        #expect(stall.map { $0["ph"] as? String } == ["b", "e"])
        #expect(stall.map { $0["pid"] as? Int } == [101, 101])
        #expect(stall.map { $0["ts"] as? Double } == [2_000_000, 3_000_000])
    }

    @Test func thePageDrawsTheTreeStormsCollapsedStallsAndLogs() throws {
        let database = ReportDatabase()
        try database.runTree()
        let report = SessionReport(try database.recording())
        let timeline = ProcessTimeline(report)
        #expect(
            timeline.rows.map(\.label) == [
                "100 /bin/sh -c build", "101 /usr/bin/make", "102 /usr/bin/cc -c a.c", "103 /bin/sleep 60", "5 × true",
            ])
        #expect(timeline.rows.map(\.kind) == [.exit, .ok, .exit, .signal, .ok])
        #expect(timeline.rows.map(\.depth) == [0, 1, 2, 1, 1])
        #expect(timeline.omitted == 0)
        let page = report.html(snapshots: [:])
        for part in [
            "data-chart=\"cpu\"", "data-chart=\"rss\"", "data-chart=\"threads\"", "data-chart=\"timeline\"",
            "data-chart=\"logs\"", "href=\"#stall-1\"", "id=\"stall-1\"", "class=\"bar signal\"",
            "class=\"bar exit\"", "error: a.c:3", "id=\"logfilter\"", "data-report-ready",
        ] {
            #expect(page.contains(part), "the page lacks \(part)")
        }
        #expect(!page.contains("http://") && !page.contains("https://"))
    }

    @Test func theJSONHoldsTheSessionTheRunAndTheStalls() throws {
        let database = ReportDatabase()
        try database.runTree()
        let report = SessionReport(try database.recording())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let session = try #require(object["session"] as? [String: Any])
        #expect(session["exit_code"] as? Int == 1)
        #expect(session["processes"] as? Int == 9)
        #expect(session["recording"] as? Bool == false)
        let run = try #require(object["run"] as? [String: Any])
        #expect((run["processes"] as? [Any])?.count == 9)
        #expect(object["watch"] is NSNull)
        #expect((object["stalls"] as? [Any])?.count == 1)
    }

    @Test func sessionsListsEachWithHowItEndedAndItsRows() throws {
        let database = ReportDatabase()
        try database.runTree()
        try database.watch()
        let sessions = try SessionReader(path: database.path).sessions()
        #expect(sessions.map(\.id) == [1, 2])
        #expect(sessions.map(SessionList.ending) == ["exit 1", "exit 3"])
        #expect(sessions.map(\.counts.samples) == [20, 8])
        #expect(sessions.map(\.counts.processes) == [9, 1])
        #expect(sessions.map(\.counts.logLines) == [2, 1])
        #expect(sessions.map(\.counts.stalls) == [1, 0])
        let text = SessionList.text(sessions)
        #expect(text.split(separator: "\n").count == 3, "\(text)")
        #expect(text.contains("sh -c build") && text.contains("app (100)"))
        // The latest by default.
        #expect(try SessionReader(path: database.path).session(id: nil)?.id == 2)
        #expect(try SessionReader(path: database.path).recording(id: 3) == nil)
    }

    @Test func aSessionBeingRecordedIsReadThroughTheWALWithoutStoppingTheWriter() throws {
        let database = ReportDatabase()
        let writer = try database.writer(mode: "watch", arguments: ["argus-trace", "--pid", "100"])
        writer.submit([ReportDatabase.metric(100, "app", at: 1, cpu: 5, rss: 10)], urgent: true)
        var recording: SessionRecording?
        for _ in 0..<500 {
            recording = try? SessionReader(path: database.path).recording(id: nil)
            if recording?.metrics.count == 1 { break }
            usleep(10_000)
        }
        let live = try #require(recording)
        #expect(live.session.endedNs == nil)
        #expect(SessionReport(live).text().contains("Ended: still recording"))
        #expect(SessionList.ending(live.session) == "recording")
        writer.submit([
            ReportDatabase.metric(100, "app", at: 2, cpu: 5, rss: 10),
            ReportDatabase.ended(3, target: 100, reason: "target exited"),
        ])
        let report = writer.close()
        #expect(report.unsaved == 0)
        #expect(try database.recording().metrics.count == 2)
    }

    @Test(arguments: 1...Schema.version)
    func aDatabaseOfEveryEarlierSchemaVersionIsRead(version: Int) throws {
        let database = ReportDatabase()
        let sqlite = try SQLiteDatabase(path: database.path)
        try Schema.migrate(sqlite, upTo: version)
        try sqlite.execute(
            """
            INSERT INTO sessions (started_at, started_ns, ended_ns, mode, arguments, version, target_pid)
                VALUES ('2026-01-27T14:23:45.000Z', 1769523825000000000, 1769523827000000000, 'run',
                '["argus-trace","run","--","x"]', 'old', 7);
            INSERT INTO performance_metrics (timestamp, app_name, process_name, process_id, cpu_percent, memory_mb,
                thread_count, session_id, timestamp_ns) VALUES ('t', 'a', 'x', 7, 50, 10, 1, 1, 1769523826000000000);
            INSERT INTO process_events (timestamp, app_name, process_name, process_id, event_type, exit_code,
                session_id, timestamp_ns) VALUES ('t', 'a', 'x', 7, 'terminated', 2, 1, 1769523826500000000);
            """)
        let recording = try database.recording()
        #expect(recording.session.targetStatus?.shellCode == 2)
        let report = SessionReport(recording)
        #expect(report.text().contains("Session 1 (run): x"))
        #expect(report.trace().contains("\"ph\":\"X\""))
        #expect(report.html(snapshots: [:]).contains("data-chart=\"cpu\""))
    }

    @Test func aFileThatIsNotOursIsRefusedInOneLine() throws {
        let database = ReportDatabase()
        try SQLiteDatabase(path: database.path).execute("CREATE TABLE performance_metrics (x INTEGER)")
        #expect(throws: StoreRefusal.self) { try SessionReader(path: database.path) }
        #expect(throws: StoreRefusal.self) { try SessionReader(path: database.directory + "/missing.db") }
    }

    @Test func noContentOfTheFileTrapsAnyForm() throws {
        let database = ReportDatabase()
        try database.runTree()
        try SQLiteDatabase(path: database.path).execute(
            """
            UPDATE sessions SET started_ns = 9223372036854775807, ended_ns = -9223372036854775808,
                arguments = 'not json', target_pid = 99999999999, event_overflows = -3;
            UPDATE processes SET started_ns = -9223372036854775808 WHERE pid = 101;
            UPDATE processes SET ended_ns = 9223372036854775807, exit_code = 9223372036854775807, signal = -5
                WHERE pid = 102;
            UPDATE processes SET argv = '[1,2', parent_pid = 9999999999 WHERE pid = 103;
            UPDATE performance_metrics SET cpu_percent = 9e999, memory_mb = -9e999, thread_count = 9223372036854775807,
                timestamp_ns = 9223372036854775807 WHERE id % 2 = 0;
            UPDATE performance_metrics SET timestamp_ns = NULL WHERE id = 1;
            UPDATE log_entries SET timestamp_ns = -1, log_line = '</script><b>';
            UPDATE stalls SET started_ns = 9223372036854775807, ended_ns = -9223372036854775808, threshold = 9e999;
            """)
        let report = SessionReport(try database.recording())
        #expect(!report.text().isEmpty)
        #expect(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) is [String: Any])
        #expect(try JSONSerialization.jsonObject(with: Data(report.trace().utf8)) is [String: Any])
        let page = report.html(snapshots: [:])
        #expect(!page.contains("</script><b>"))
        #expect(!SessionList.text(try SessionReader(path: database.path).sessions()).isEmpty)
    }

    @Test func thinningKeepsEveryPeak() {
        let start = ReportDatabase.time(0).nanoseconds
        var points = (0..<86_400).map { (ns: start + Int64($0) * 1_000_000_000, value: 1.0) }
        points[12_345].value = 99
        points[70_000].value = -5
        let thinned = ChartSeries(name: "cpu", points: points).thinned(from: start, to: points.last!.ns)
        #expect(thinned.points.count <= 1_200)
        #expect(thinned.points.map(\.value).max() == 99)
        #expect(thinned.points.map(\.value).min() == -5)
        #expect(zip(thinned.points, thinned.points.dropFirst()).allSatisfy { $0.ns < $1.ns })
    }
}
