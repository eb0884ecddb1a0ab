import Foundation
import Testing

/// A program logging "line NNNNNN" at 1,000 lines/s through an O_APPEND descriptor, reopening
/// its path on SIGHUP (as after logrotate), until it has written `count` lines.
func startLineWriter(_ path: String, count: Int, scratch: Scratch) throws -> Child {
    let script = """
        import os, signal, sys, time
        path, count = sys.argv[1], int(sys.argv[2])
        reopen = []
        signal.signal(signal.SIGHUP, lambda *_: reopen.append(1))
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        fd = os.open(path, flags, 0o644)
        start = time.monotonic()
        for index in range(1, count + 1):
            if reopen:
                os.close(fd)
                fd = os.open(path, flags, 0o644)
                reopen.clear()
            os.write(fd, b"line %06d\\n" % index)
            delay = start + index / 1000 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        """
    return try Child("/usr/bin/python3", ["-c", script, path, "\(count)"], scratch: scratch, label: "writer")
}

extension EndToEnd {
    @Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "the writer is python3"))
    struct LogResumeTests {
        static let count = 4_000

        /// What happens to the log while argus-trace is down.
        enum Downtime {
            case nothing, renameRotation, truncation
        }

        /// A target, a tracer following `path` for it, a writer at 1,000 lines/s; the tracer is
        /// SIGKILLed once 1,000 lines are stored, down for 1 s (while `downtime` happens), and
        /// started again with the same database; then the writer ends and so does the tracer.
        /// Returns the stored lines in row order, and the second tracer.
        func killAndRestart(_ downtime: Downtime, extra: [String] = []) throws -> (
            lines: [String], second: Child, scratch: Scratch
        ) {
            let scratch = Scratch()
            let path = scratch.path + "/app.log"
            close(open(path, O_CREAT | O_WRONLY, 0o644))
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let arguments = ["--pid", "\(testee.pid)", "--interval", "5", "--logfile", path] + extra
            let first = try startTracer(arguments, scratch: scratch)
            #expect(waitAttached(first), "stderr: \(first.stderr)")
            let writer = try startLineWriter(path, count: Self.count, scratch: scratch)
            let rows = try Rows(scratch.database)
            func stored() -> Int64 { (try? rows.int("SELECT count(*) FROM log_entries")) ?? 0 }
            #expect(eventually { stored() >= 1_000 }, "stored \(stored()); stderr: \(first.stderr)")
            first.signal(SIGKILL)
            #expect(first.exitStatus() == 128 + SIGKILL)
            let downSince = Date()
            switch downtime {
            case .nothing:
                break
            case .renameRotation:
                rename(path, path + ".1")
                writer.signal(SIGHUP)
            case .truncation:
                usleep(300_000)  // lines the first tracer never read
                truncate(path, 0)
            }
            usleep(UInt32(max(0, 1 - Date().timeIntervalSince(downSince)) * 1e6))
            let second = try startTracer(arguments, scratch: scratch)
            #expect(waitAttached(second), "stderr: \(second.stderr)")
            #expect(writer.exitStatus(within: 20) == 0, "writer stderr: \(writer.stderr)")
            testee.openGate()
            #expect(second.exitStatus(within: 20) == 0, "stderr: \(second.stderr)")
            return (try rows.texts("SELECT log_line FROM log_entries ORDER BY id"), second, scratch)
        }

        func numbered(_ range: ClosedRange<Int>) -> [String] { range.map { "line " + String(format: "%06d", $0) } }

        @Test func aKilledTracerRestartedStoresEveryLineOnce() throws {
            let (lines, _, scratch) = try killAndRestart(.nothing)
            #expect(lines == numbered(1...Self.count), "\(lines.count) rows")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(DISTINCT session_id) FROM log_entries") == 2)
            #expect(try rows.int("SELECT count(*) FROM log_entries WHERE session_id = 1 AND read_late != 0") == 0)
            // What was written while it was down was read late by the second session.
            #expect(try rows.int("SELECT count(*) FROM log_entries WHERE session_id = 2 AND read_late = 1") ?? 0 >= 500)
        }

        @Test func aRenameRotationWhileDownIsFollowedThroughTheRotatedFile() throws {
            let (lines, _, scratch) = try killAndRestart(.renameRotation)
            #expect(lines == numbered(1...Self.count), "\(lines.count) rows")
            #expect(try Rows(scratch.database).int("SELECT count(DISTINCT file_inode) FROM log_entries") == 2)
        }

        @Test func aTruncationWhileDownLosesOnlyWhatItCutAndSaysSo() throws {
            let (lines, second, scratch) = try killAndRestart(.truncation)
            let numbers = lines.compactMap { Int($0.dropFirst("line ".count)) }
            #expect(numbers.count == lines.count, "every row is a written line")
            #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 }, "in order, none twice")
            #expect(numbers.last == Self.count)
            // Everything the file held after the truncation is stored.
            let survivors = try String(contentsOfFile: scratch.path + "/app.log", encoding: .utf8)
                .split(separator: "\n").map(String.init)
            #expect(!survivors.isEmpty && lines.suffix(survivors.count) == survivors[...])
            #expect(lines.count < Self.count, "the cut lines are gone")
            #expect(second.stderr.contains("was truncated"), "stderr: \(second.stderr)")
            #expect(second.stderr.contains("could not be read"))
        }

        @Test func startingAtTheEndReadsNothingWrittenWhileDown() throws {
            let (lines, _, scratch) = try killAndRestart(.nothing, extra: ["--logfile-start", "end"])
            let numbers = lines.compactMap { Int($0.dropFirst("line ".count)) }
            #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 }, "in order, none twice")
            #expect(lines.count < Self.count - 500, "about a second of lines is not read")
            #expect(numbers.last == Self.count)
            #expect(try Rows(scratch.database).int("SELECT count(*) FROM log_entries WHERE read_late != 0") == 0)
        }

        /// A tracer on a gated target following `path`: once attached it does `attached`, then
        /// lets the target go when `ready` holds.
        func session(
            _ scratch: Scratch, _ path: String, extra: [String] = [], attached: () -> Void = {},
            until ready: (Child) -> Bool
        ) throws {
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                ["--pid", "\(testee.pid)", "--interval", "5", "--logfile", path] + extra, scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            attached()
            #expect(eventually { ready(tracer) }, "stdout: \(tracer.stdout) stderr: \(tracer.stderr)")
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
        }

        @Test func aPartialLastLineIsResumedAfterItsLastByteNotStoredTwice() throws {
            let scratch = Scratch()
            let path = scratch.path + "/app.log"
            let log = AppLog(path)
            try session(
                scratch, path, attached: { log.write("one\nhalf") }, until: { $0.lines(containing: "Log: one") == 1 })
            log.write(" two\nthree\n")
            try session(scratch, path) { $0.lines(containing: "Log: three") == 1 }
            let rows = try Rows(scratch.database)
            #expect(try rows.texts("SELECT log_line FROM log_entries ORDER BY id") == ["one", "half", " two", "three"])
            let columns = "file_offset || ' ' || partial || ' ' || read_late || ' ' || session_id"
            #expect(
                try rows.texts("SELECT \(columns) FROM log_entries ORDER BY id") == [
                    "0 0 0 1", "4 1 0 1", "8 0 1 2", "13 0 1 2",
                ])
        }

        @Test func beginningReadsTheWholeFileAsReadLate() throws {
            let scratch = Scratch()
            let path = scratch.path + "/app.log"
            let log = AppLog(path)
            log.write("a\nb\n")
            try session(scratch, path, extra: ["--logfile-start", "beginning"]) {
                $0.lines(containing: "Log: b") == 1
            }
            let rows = try Rows(scratch.database)
            let lines = try rows.texts("SELECT log_line || ' ' || read_late FROM log_entries ORDER BY id")
            #expect(lines == ["a 1", "b 1"])
        }
    }
}
