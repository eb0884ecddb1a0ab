import Foundation
import Testing

extension EndToEnd {
    /// `argus-trace sessions` and `report` on sessions the binary recorded: a `run` tree and a
    /// watch, as text, JSON, a trace and a page loaded in a real headless browser.
    @Suite struct ReportTests {
        func tracer(_ arguments: [String], _ scratch: Scratch, label: String) throws -> Child {
            try Child(Binaries.tracer, arguments, scratch: scratch, label: label)
        }

        /// Runs `argus-trace ARGUMENTS` to its end: status, stdout, stderr.
        func command(_ arguments: [String], _ scratch: Scratch) throws -> (status: Int32?, out: String, err: String) {
            let child = try tracer(arguments, scratch, label: arguments.first ?? "argus")
            let status = child.exitStatus(within: 60)
            return (status, child.stdout, child.stderr)
        }

        /// The summary block of a `run`'s stderr (or of report's stdout): from "run summary"
        /// to before "Data saved" or the stall list.
        func summaryBlock(_ text: String) -> [String] {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let start = lines.firstIndex(where: { $0.contains("] run summary: ") }) else { return [] }
            return Array(lines[start...].prefix { !$0.contains("Data saved") && !$0.isEmpty })
        }

        @Test func aRunTreeIsReportedAsItsSummaryJSONTraceAndPage() throws {
            let scratch = Scratch()
            let run = try tracer(
                [
                    "run", "--db", scratch.database, "--interval", "0.2", "--no-stalls", "--", "/bin/sh", "-c",
                    "(exit 3) & /bin/sh -c 'kill -9 $$' & for i in 1 2 3 4 5; do /bin/true & done; /bin/sleep 0.6; wait; exit 5",
                ], scratch, label: "run")
            #expect(run.exitStatus(within: 30) == 5, "\(run.stderr)")
            let rows = try Rows(scratch.database)

            // The text: the summary the run printed, line for line.
            let text = try command(["report", "--db", scratch.database], scratch)
            #expect(text.status == 0, "\(text.err)")
            #expect(summaryBlock(text.out) == summaryBlock(run.stderr), "report:\n\(text.out)\nrun:\n\(run.stderr)")
            #expect(summaryBlock(text.out).count > 4)
            #expect(text.out.hasPrefix("Session 1 (run): /bin/sh -c"))

            // JSON.
            let json = try command(["report", "1", "--db", scratch.database, "--json"], scratch)
            let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
            let session = object?["session"] as? [String: Any]
            #expect(session?["exit_code"] as? Int == 5)
            #expect((session?["processes"] as? Int).map(Int64.init) == (try rows.int("SELECT count(*) FROM processes")))
            #expect(
                ((object?["run"] as? [String: Any])?["processes"] as? [Any])?.count == session?["processes"] as? Int)

            // The trace: one complete slice per processes row, carrying its status.
            let trace = scratch.path + "/run.trace.json"
            #expect(try command(["report", "--db", scratch.database, "--trace", trace], scratch).status == 0)
            let events =
                (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trace))) as? [String: Any])?[
                    "traceEvents"] as? [[String: Any]] ?? []
            let slices = events.filter { $0["ph"] as? String == "X" }.compactMap { $0["args"] as? [String: Any] }
            let expected = try rows.texts(
                "SELECT pid || ' ' || coalesce(exit_code, 'null') FROM processes ORDER BY pid")
            let found = slices.map {
                "\($0["pid"] as? Int ?? -1) \(($0["exit_code"] as? Int).map(String.init) ?? "null")"
            }
            #expect(found.sorted { Int($0.split(separator: " ")[0])! < Int($1.split(separator: " ")[0])! } == expected)
            #expect(slices.contains { $0["signal"] as? Int == 9 && $0["exit_code"] as? Int == 137 })
            #expect(slices.contains { $0["exit_code"] as? Int == 3 })

            // The page, in a real browser.
            try checkPage(scratch, session: nil)

            let sessions = try command(["sessions", "--db", scratch.database], scratch)
            #expect(sessions.status == 0)
            #expect(sessions.out.split(separator: "\n").count == 2, "\(sessions.out)")
            #expect(sessions.out.contains(" exit 5 "), "\(sessions.out)")
        }

        @Test func aTimedOutRunIsReportedWithTheTreeAtItsDeadline() throws {
            let scratch = Scratch()
            let run = try tracer(
                [
                    "run", "--db", scratch.database, "--timeout", "1", "--kill-after", "1", "--no-stalls", "--",
                    "/bin/sh", "-c", "/bin/sleep 30 & /bin/sleep 31; wait",
                ], scratch, label: "run")
            #expect(run.exitStatus(within: 30) == 124, "\(run.stderr)")
            let text = try command(["report", "--db", scratch.database], scratch)
            #expect(summaryBlock(text.out) == summaryBlock(run.stderr), "report:\n\(text.out)\nrun:\n\(run.stderr)")
            #expect(text.out.contains("still running at the timeout (3)"), "\(text.out)")
            let json = try command(["report", "--db", scratch.database, "--json"], scratch)
            let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
            let report = object?["run"] as? [String: Any]
            #expect(report?["timed_out"] as? Bool == true)
            #expect(((report?["timeout"] as? [String: Any])?["processes"] as? [Any])?.count == 3)
        }

        @Test func aWatchIsReportedWithTheCountsItPrinted() throws {
            let scratch = Scratch()
            let log = scratch.path + "/app.log"
            _ = FileManager.default.createFile(atPath: log, contents: Data())
            let target = try Child(
                "/bin/sh", ["-c", "sleep 0.5; echo started >> \(log); sleep 1; echo done >> \(log); exit 3"],
                scratch: scratch, label: "target")
            let watch = try tracer(
                [
                    "--pid", String(target.pid), "--interval", "0.2", "--logfile", log, "--stall-pressure", "0",
                    "--db", scratch.database,
                ], scratch, label: "watch")
            // Stopped for a while: a `stopped` stall, drawn as a band.
            #expect(waitAttached(watch))
            target.signal(SIGSTOP)
            #expect(eventually { (try? Rows(scratch.database).int("SELECT count(*) FROM stalls")) ?? 0 >= 1 })
            target.signal(SIGCONT)
            #expect(watch.exitStatus(within: 30) == 0, "\(watch.stderr)")
            #expect(target.exitStatus() == 3)
            let text = try command(["report", "--db", scratch.database], scratch)
            #expect(text.status == 0, "\(text.err)")
            #expect(text.out.contains("Process terminated (exit code: 3)"), "\(text.out)")
            // The counts the watch printed at its end.
            for prefix in ["Metrics collected:", "Log entries captured: 2", "Stalls detected:"] {
                let printed = watch.stdout.split(separator: "\n").first { $0.contains(prefix) }
                #expect(
                    printed != nil && text.out.contains(String(printed!)), "\(prefix)\n\(text.out)\n\(watch.stdout)")
            }
            let sessions = try command(["sessions", "--db", scratch.database, "--json"], scratch)
            let list = try JSONSerialization.jsonObject(with: Data(sessions.out.utf8)) as? [[String: Any]]
            #expect(list?.count == 1)
            #expect(list?.first?["ending"] as? String == "exit 3")
            #expect(list?.first?["log_lines"] as? Int == 2)
            let page = try checkPage(scratch, session: 1)
            #expect(page.contains("href=\"#stall-1\"") && page.contains("id=\"stall-1\""))
            #expect(page.contains("class=\"logmark\""))
        }

        /// Writes the page of `session` and loads it in chromium with the network off: no console
        /// line, the script ran to its end, the charts and the timeline are there, and the
        /// screenshot is not blank.
        @discardableResult
        func checkPage(_ scratch: Scratch, session: Int?) throws -> String {
            let page = scratch.path + "/report.html"
            let arguments =
                ["report"] + (session.map { [String($0)] } ?? []) + ["--db", scratch.database, "--html", page]
            let written = try command(arguments, scratch)
            #expect(written.status == 0, "\(written.err)")
            #expect(written.out.isEmpty)
            let html = try String(contentsOfFile: page, encoding: .utf8)
            for remote in ["http://", "https://", "src=", "@import", "url("] {
                #expect(!html.contains(remote), "the page refers to something outside itself: \(remote)")
            }
            guard HeadlessBrowser.isInstalled else {
                Issue.record("chromium is not installed (scripts/setup installs it for the tests)")
                return html
            }
            // At 0.3 s from the start (#t=0.3): the cursor and the CPU values under it.
            let load = try HeadlessBrowser(scratch: scratch).load(page, fragment: "#t=0.3")
            #expect(load.console.isEmpty, "\(load.console)")
            #expect(load.dom.contains("data-report-ready=\"yes\""), "the page's script did not run to its end")
            #expect(load.dom.contains("data-chart=\"cpu\"") && load.dom.contains("data-chart=\"rss\""))
            #expect(load.dom.contains("data-chart=\"timeline\"") && load.dom.contains("class=\"bar "))
            #expect(load.dom.contains("<polyline"))
            let tip = load.dom.components(separatedBy: "id=\"tip\"").last?.prefix(400) ?? ""
            #expect(tip.contains("display: block") && tip.contains("+0.30 s") && tip.contains(" %"), "\(tip)")
            let colours = try HeadlessBrowser.distinctColours(load.screenshot, scratch: scratch)
            #expect((colours ?? 0) > 20, "the screenshot has \(colours ?? 0) colour(s)")
            return load.dom
        }

        @Test func helpShowsExamplesAndExitStatuses() throws {
            let scratch = Scratch()
            for (name, options) in [
                ("sessions", ["--db", "--json"]), ("report", ["--db", "--json", "--html", "--trace", "<session>"]),
            ] {
                let help = try command([name, "--help"], scratch)
                #expect(help.status == 0)
                for text in options + ["Examples:", "Exit status:"] {
                    #expect(help.out.contains(text), "\(name) help lacks \(text)")
                }
            }
            let root = try command(["--help"], scratch)
            #expect(root.out.contains("argus-trace report --html"))
        }

        @Test func badInputGetsOneLineAndItsStatus() throws {
            let scratch = Scratch()
            let run = try tracer(
                ["run", "--db", scratch.database, "--no-stalls", "--", "/bin/true"], scratch, label: "run")
            #expect(run.exitStatus(within: 30) == 0)
            func oneLine(_ result: (status: Int32?, out: String, err: String), _ status: Int32, _ text: String) {
                #expect(result.status == status, "\(result)")
                #expect(result.err.split(separator: "\n").count == 1 && result.err.contains(text), "\(result.err)")
                #expect(result.out.isEmpty)
            }
            oneLine(try command(["report", "7", "--db", scratch.database], scratch), 1, "no session 7")
            let notOurs = scratch.path + "/notes.txt"
            try "not a database\n".write(toFile: notOurs, atomically: true, encoding: .utf8)
            oneLine(try command(["report", "--db", notOurs], scratch), 1, "not an SQLite database")
            oneLine(try command(["sessions", "--db", notOurs], scratch), 1, "not an SQLite database")
            oneLine(try command(["sessions", "--db", scratch.path + "/missing.db"], scratch), 1, "no such file")
            oneLine(
                try command(
                    ["report", "--db", scratch.database, "--html", scratch.path + "/no/such/dir/r.html"], scratch),
                1, "cannot write --html")
            oneLine(
                try command(["report", "--db", scratch.database, "--trace", scratch.path], scratch), 1,
                "cannot write --trace")
            oneLine(try command(["report", "0", "--db", scratch.database], scratch), 2, "positive")
            // Nothing was created beside the database by reading it.
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/missing.db"))
        }

        @Test func aSessionStillRecordingIsReportedWithoutDisturbingIt() throws {
            let scratch = Scratch()
            let target = try Child("/bin/sh", ["-c", "read line; exit 0"], scratch: scratch, label: "target")
            let watch = try tracer(
                ["--pid", String(target.pid), "--interval", "0.1", "--no-stalls", "--db", scratch.database], scratch,
                label: "watch")
            #expect(
                eventually(within: 20) {
                    (try? Rows(scratch.database).int("SELECT count(*) FROM performance_metrics")) ?? 0 >= 3
                })
            let sessions = try command(["sessions", "--db", scratch.database], scratch)
            #expect(sessions.status == 0 && sessions.out.contains(" recording "), "\(sessions)")
            let text = try command(["report", "--db", scratch.database], scratch)
            #expect(text.out.contains("Ended: still recording"), "\(text)")
            #expect(
                try command(["report", "--db", scratch.database, "--html", scratch.path + "/live.html"], scratch).status
                    == 0)
            target.openGate()
            #expect(watch.exitStatus(within: 30) == 0, "\(watch.stderr)")
            #expect(!watch.stderr.contains("warning"), "\(watch.stderr)")
            let after = try command(["sessions", "--db", scratch.database, "--json"], scratch)
            let list = try JSONSerialization.jsonObject(with: Data(after.out.utf8)) as? [[String: Any]]
            #expect(list?.first?["ending"] as? String == "exit 0")
        }
    }
}
