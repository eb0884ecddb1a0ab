import ArgusCore
import ArgusKernel
import ArgusStore
import Testing

@testable import ArgusRuntime

/// The page stays usable for the two large cases the issue names: what it weighs is printed
/// (README, "Reports") and bounded here.
@Suite struct ReportPageSizeTests {
    /// A `run` of 10,000 processes: make starting 100 workers that each run 99 programs, all
    /// of different names (so none collapse and the timeline is cut at its 2,000 bars), 1 in
    /// 100 failing, each sampled once.
    @Test func aTenThousandProcessRunMakesAPageOfAMegabyteOrSo() throws {
        let database = ReportDatabase()
        let writer = try database.writer(mode: "run", arguments: ["argus-trace", "run", "--", "make", "-j"])
        var records: [Record] = [.session(SessionUpdate(targetPid: 100, targetName: "make"))]
        records.append(ReportDatabase.process(100, parent: 1, ["/usr/bin/make", "-j"], from: 0, to: 600, .exited(2)))
        var pid: Int32 = 1_000
        for worker in 0..<100 {
            let workerPid = pid
            let start = Double(worker) * 5
            records.append(
                ReportDatabase.process(
                    workerPid, parent: 100, ["/usr/bin/job\(worker)"], from: start, to: start + 5, .exited(0)))
            pid += 1
            for index in 0..<99 {
                let at = start + Double(index) * 0.05
                let status: WaitStatus = index == 50 ? .exited(1) : .exited(0)
                records.append(
                    ReportDatabase.process(
                        pid, parent: workerPid, ["/usr/bin/cc\(worker)-\(index)", "-c", "f\(index).c"], from: at,
                        to: at + 0.04, status))
                records.append(ReportDatabase.metric(pid, "cc", at: at + 0.02, cpu: Double(index % 100), rss: 20))
                pid += 1
            }
        }
        records.append(ReportDatabase.ended(600.5, target: 100, reason: "command and its processes ended"))
        writer.submit(records)
        _ = writer.close()
        let report = SessionReport(try database.recording())
        #expect(report.processes.count == 10_001)
        let page = report.html(snapshots: [:])
        print("report page, 10,001-process run: \(page.utf8.count) bytes")
        if let path = Environment.value("ARGUS_REPORT_PAGE") { try FileSystem.write(page, to: path) }
        #expect(page.utf8.count < 3_000_000)
        #expect(report.trace().utf8.count < 10_000_000)
    }

    /// A watch of one process for 24 hours at 1 s, with a log line a minute and a stall an hour.
    @Test func aDayOfSamplesAtOneSecondMakesAPageOfAFewHundredKilobytes() throws {
        let database = ReportDatabase()
        let writer = try database.writer(mode: "watch", arguments: ["argus-trace", "--pid", "100", "--interval", "1"])
        var records: [Record] = [.session(SessionUpdate(targetPid: 100, targetName: "app"))]
        for second in 0..<86_400 {
            let cpu = second % 3_600 == 1_800 ? 400 : Double(second % 50)
            records.append(
                ReportDatabase.metric(100, "app", at: Double(second), cpu: cpu, rss: 100 + Double(second) / 864))
            if second % 60 == 0 { records.append(ReportDatabase.log("minute \(second / 60)", at: Double(second))) }
            if second % 3_600 == 100 {
                records += ReportDatabase.stall(
                    second / 3_600 + 1, pid: 100, from: Double(second), to: Double(second + 30))
            }
        }
        records += [
            ReportDatabase.terminated(100, "app", at: 86_400, .exited(0)),
            ReportDatabase.ended(86_400, target: 100, reason: "target exited"),
        ]
        writer.submit(records)
        _ = writer.close()
        let report = SessionReport(try database.recording())
        let page = report.html(snapshots: [:])
        print("report page, 24 h watch at 1 s: \(page.utf8.count) bytes")
        #expect(page.utf8.count < 1_500_000)
        let trace = report.trace()
        print("trace, 24 h watch at 1 s: \(trace.utf8.count) bytes")
        #expect(trace.utf8.count < 4_000_000)
        #expect(trace.contains("\"cpu_percent\":400"))
        // Every hourly peak of 400 % is still drawn after thinning.
        let cpu = try #require(SessionCharts(report).charts.first { $0.id == "cpu" })
        #expect(cpu.series[0].points.filter { $0.value == 400 }.count == 24)
    }
}
