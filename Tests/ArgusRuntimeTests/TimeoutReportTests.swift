import ArgusCore
import ArgusKernel
import ArgusStore
import Glibc
import Testing

@testable import ArgusRuntime

/// `argus-trace stalls ID` for a timeout: a real tree captured, stored and shown as a tree.
@Suite(.enabled(if: geteuid() == 0, "kernel stacks and eu-stack need root"))
struct TimeoutReportTests {
    /// Captures `sh -c 'sleep 30 & sleep 31; wait'`, stores it as timeout stall 1 in a fresh
    /// database, and reads it back.
    func capturedTree() throws -> (stall: StallReader.Stall, snapshots: [StallReader.Snapshot], shell: Int32) {
        let shell = try ProcessControl.spawn(["/bin/sh", "-c", "/bin/sleep 30 & /bin/sleep 31; wait"])
        defer {
            // The shell first, so it does not report its children's deaths.
            let children = ProcFS.read("/proc/\(shell)/task/\(shell)/children")?.split(separator: " ") ?? []
            kill(shell, SIGKILL)
            for child in children { if let child = Int32(child) { kill(child, SIGKILL) } }
            var status: Int32 = 0
            waitpid(shell, &status, 0)
        }
        for _ in 0..<500 {
            let children = ProcFS.read("/proc/\(shell)/task/\(shell)/children")?.split(separator: " ") ?? []
            // Each where the test expects it (the shell in its wait, each sleep in its nanosleep), not
            // only asleep somewhere on the way there (a wchan read then can name what it left).
            if children.count == 2, ProcFS.read("/proc/\(shell)/wchan") == "do_wait",
                children.allSatisfy({ ProcFS.read("/proc/\($0)/wchan") == "hrtimer_nanosleep" })
            {
                break
            }
            usleep(10_000)
        }
        let capture = TreeCapture.capture(pids: [shell])

        var template = Array("/tmp/argus-report-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        defer { _ = system("rm -rf '\(directory)'") }
        let path = directory + "/argus.db"
        let session = SessionInfo(
            startedAt: capture.time, arguments: ["argus-trace", "run", "--timeout", "30s", "--", "sh"], version: "test",
            kernel: "6.18", bootID: "boot", hostname: "host", mode: "run")
        let writer = try RecordWriter(RecordWriter.Configuration(path: path, session: session), warn: { _ in })
        let stall = StallRecord(
            id: 1, kind: .timeout, pid: shell, startTicks: capture.processes[0].startTicks ?? 0, appName: "sh",
            processName: "sh", started: capture.time, detected: capture.time, tid: nil,
            trigger: "the 30 s deadline passed", threshold: 30, value: 30, windowNs: 0)
        writer.submit([.stall(stall), .stallSnapshot(capture.snapshot(stallID: 1))], urgent: true)
        #expect(writer.close().unsaved == 0)
        let reader = try StallReader(path: path)
        return (try #require(try reader.stall(id: 1)), try reader.snapshots(of: 1), shell)
    }

    @Test func theTextShowsEveryProcessUnderItsParentWithWhereItIsBlocked() throws {
        let (stall, snapshots, shell) = try capturedTree()
        let text = StallReport.detailText(stall, snapshots: snapshots, samples: [])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(text.contains("Stall 1: timeout of sh"))
        #expect(text.contains("snapshot: 3 process(es), 3 thread(s)"))
        let root = try #require(
            lines.firstIndex { $0.hasSuffix("PID \(shell) /bin/sh -c '/bin/sleep 30 & /bin/sleep 31; wait'") })
        let sleeps = lines.indices.filter { lines[$0].contains("└─ PID ") && lines[$0].contains("/bin/sleep 3") }
        #expect(sleeps.count == 2)
        #expect(sleeps.allSatisfy { $0 > root })
        #expect(lines.contains { $0.contains("state S, ran ") && $0.contains("cwd /") })
        #expect(lines.contains { $0.contains("blocked in: ") })
        #expect(lines.contains { $0.contains("kernel: [<0>]") })
        if UserStackReader.locate() != nil {
            #expect(
                lines.filter { $0.contains("blocked in: hrtimer_nanosleep; clock_nanosleep") }.count == 2, "\(text)")
            #expect(lines.contains { $0.contains("user:   #0  0x") })
        } else {
            #expect(text.contains("user stacks: \(UserStackReader.notInstalled)"))
        }
    }

    @Test func theJSONCarriesTheTreeAndEachThreadsProcessAndUserStack() throws {
        let (stall, snapshots, shell) = try capturedTree()
        let json = StallReport.detailJSON(stall, snapshots: snapshots, samples: [])
        #expect(json.contains("\"processes\":[{\"pid\":\(shell),"))
        #expect(json.contains("\"argv\":[\"/bin/sh\",\"-c\",\"/bin/sleep 30 & /bin/sleep 31; wait\"]"))
        #expect(json.contains("\"ran_ns\":"))
        #expect(json.contains("\"pid\":\(shell),\"user_stack\":"))
        let children = try #require(snapshots.first?.processes.first?.children)
        #expect(json.contains("\"children\":[\(children.map(String.init).joined(separator: ","))]"))
    }
}
