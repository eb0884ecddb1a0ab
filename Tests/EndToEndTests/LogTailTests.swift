import Foundation
import Testing

/// A program writing its log the way programs do: through an O_APPEND descriptor it keeps
/// until told to reopen.
final class AppLog {
    let path: String
    private var fd: Int32

    init(_ path: String) {
        self.path = path
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    }

    deinit { close(fd) }

    func write(_ text: String) { write(Array(text.utf8)) }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            precondition(written > 0, "write failed")
            offset += written
        }
    }

    /// What a program does on SIGHUP after logrotate: close and open the path again.
    func reopen() {
        close(fd)
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    }
}

extension EndToEnd {
    @Suite struct LogTailTests {
        /// The target process, and a tracer following `logs` for it.
        func traced(_ scratch: Scratch, logs: [String], extra: [String] = []) throws -> (testee: Child, tracer: Child) {
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                ["--pid", "\(testee.pid)", "--interval", "5"] + logs.flatMap { ["--logfile", $0] } + extra,
                scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            return (testee, tracer)
        }

        func end(_ testee: Child, _ tracer: Child) {
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
        }

        @Test func aDirectoryGivenAsALogFileGetsOneWarningAndMetricsGoOn() throws {
            let scratch = Scratch()
            let directory = scratch.path + "/logs.d"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                ["--pid", "\(testee.pid)", "--interval", "0.2", "--logfile", directory], scratch: scratch)
            #expect(waitAttached(tracer))
            #expect(eventually { tracer.lines(containing: "Metrics: CPU=") >= 2 })
            testee.openGate()
            #expect(tracer.exitStatus() == 0)
            let warnings = tracer.stderr.split(separator: "\n").filter { $0.contains(directory) }
            #expect(warnings.count == 1, "stderr: \(tracer.stderr)")
            #expect(warnings.first?.contains("Is a directory") == true)
        }

        @Test func tenLinesWrittenAreTenRows() throws {
            let scratch = Scratch()
            let path = scratch.path + "/app.log"
            let log = AppLog(path)
            log.write("written before argus-trace started\n")
            let (testee, tracer) = try traced(scratch, logs: [path])
            for index in 1...10 { log.write("[INFO] line \(index)\n") }
            #expect(eventually { tracer.lines(containing: "Log: [INFO] line") == 10 }, "stdout: \(tracer.stdout)")
            end(testee, tracer)

            let rows = try Rows(scratch.database)
            #expect(
                try rows.texts("SELECT log_line FROM log_entries ORDER BY id") == (1...10).map { "[INFO] line \($0)" })
            #expect(try rows.texts("SELECT DISTINCT logfile_path FROM log_entries") == [path])
            #expect(try rows.int("SELECT count(*) FROM log_entries WHERE process_id = \(testee.pid)") == 10)
            #expect(tracer.stdout.contains("Log entries captured: 10"))
        }

        @Test func rotationAndTruncationLoseAndRepeatNothing() throws {
            let scratch = Scratch()
            let path = scratch.path + "/app.log"
            var log = AppLog(path)
            let (testee, tracer) = try traced(scratch, logs: [path])
            #expect(eventually { (try? Rows(scratch.database).int("SELECT count(*) FROM sessions")) == 1 })
            let rows = try Rows(scratch.database)
            func captured() -> Int64 { (try? rows.int("SELECT count(*) FROM log_entries")) ?? 0 }
            for index in 1...1_000 {
                if index == 401 {
                    // logrotate's create: rename, new empty file; the program writes on into the
                    // old file until it reopens.
                    rename(path, path + ".1")
                    close(open(path, O_CREAT | O_WRONLY, 0o644))
                    log.write("line \(String(format: "%04d", index))\n")
                    log.reopen()
                    continue
                }
                if index == 701 {
                    // copytruncate, once the lines so far are in (a copier racing the writer loses
                    // lines with any tool).
                    #expect(eventually { captured() == 700 }, "captured \(captured()) of 700")
                    _ = try? FileManager.default.copyItem(atPath: path, toPath: path + ".2")
                    truncate(path, 0)
                }
                log.write("line \(String(format: "%04d", index))\n")
                usleep(10_000)  // the writer's own pace: 100 lines/s
            }
            #expect(eventually { captured() == 1_000 }, "captured \(captured())")
            end(testee, tracer)
            log = AppLog(path)

            let lines = try rows.texts("SELECT log_line FROM log_entries ORDER BY id")
            #expect(lines == (1...1_000).map { "line \(String(format: "%04d", $0))" })
            #expect(try rows.int("SELECT count(DISTINCT file_inode) FROM log_entries") == 2)
        }

        @Test func aLineWrittenInTwoHalvesIsOneRow() throws {
            let scratch = Scratch()
            let path = scratch.path + "/app.log"
            let log = AppLog(path)
            let (testee, tracer) = try traced(scratch, logs: [path])
            log.write("first half, ")
            log.write("second half\n")
            #expect(eventually { tracer.stdout.contains("Log: first half, second half") })
            end(testee, tracer)
            #expect(try Rows(scratch.database).texts("SELECT log_line FROM log_entries") == ["first half, second half"])
        }

        @Test func bytesAreKeptFaithfully() throws {
            let scratch = Scratch()
            let path = scratch.path + "/app.log"
            let log = AppLog(path)
            let (testee, tracer) = try traced(scratch, logs: [path])
            let notUTF8: [UInt8] = [0x62, 0x61, 0x64, 0xff, 0xfe, 0x21]
            log.write("windows line\r\n")
            log.write(notUTF8 + [0x0a])
            let megabyte = String(repeating: "m", count: 1 << 20)
            log.write(megabyte + "\n")
            log.write("no newline at exit")
            #expect(
                eventually { tracer.lines(containing: "Log: ") >= 3 },
                "stderr: \(tracer.stderr) stdout: \(tracer.stdout.prefix(2000))")
            end(testee, tracer)

            let rows = try Rows(scratch.database)
            let statement = try rows.database.prepare(
                "SELECT log_line, log_line_raw, partial, length(log_line) FROM log_entries ORDER BY id")
            var found: [(String, [UInt8]?, Int64, Int64)] = []
            while try statement.step() {
                found.append((statement.text(0)!, statement.blob(1), statement.int64(2)!, statement.int64(3)!))
            }
            #expect(found.count == 4, "rows: \(found.map { ($0.0.prefix(40), $0.1, $0.2, $0.3) })")
            guard found.count == 4 else { return }
            #expect(found[0].0 == "windows line\r")
            #expect(found[0].1 == nil)
            #expect(found[1].1 == notUTF8)
            #expect(found[1].0 == "bad\u{FFFD}\u{FFFD}!")
            #expect(found[2].3 == 1 << 20)
            #expect(found[3].0 == "no newline at exit")
            #expect(found[3].2 == 1)
            #expect(found[0..<3].allSatisfy { $0.2 == 0 })
        }

        @Test func aFileThatAppearsLaterIsFollowedFromItsStart() throws {
            let scratch = Scratch()
            let path = scratch.path + "/later.log"
            let (testee, tracer) = try traced(scratch, logs: [path])
            #expect(tracer.stderr.contains("does not exist yet"), "stderr: \(tracer.stderr)")
            let log = AppLog(path)
            log.write("first\nsecond\n")
            #expect(eventually { tracer.lines(containing: "Log: ") == 2 })
            // Deleted and created again: followed again.
            unlink(path)
            let again = AppLog(path)
            again.write("third\n")
            #expect(eventually { tracer.lines(containing: "Log: ") == 3 }, "stdout: \(tracer.stdout)")
            end(testee, tracer)
            #expect(
                try Rows(scratch.database).texts("SELECT log_line FROM log_entries ORDER BY id") == [
                    "first", "second", "third",
                ])
        }

        @Test func aSymlinkedPathIsFollowedThroughRotationOfItsTarget() throws {
            let scratch = Scratch()
            try FileManager.default.createDirectory(atPath: scratch.path + "/data", withIntermediateDirectories: true)
            let real = scratch.path + "/data/real.log"
            let link = scratch.path + "/app.log"
            let log = AppLog(real)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
            let (testee, tracer) = try traced(scratch, logs: [link])
            log.write("before rotation\n")
            #expect(eventually { tracer.lines(containing: "Log: ") == 1 })
            rename(real, real + ".1")
            let fresh = AppLog(real)
            fresh.write("after rotation\n")
            #expect(eventually { tracer.lines(containing: "Log: ") == 2 }, "stdout: \(tracer.stdout)")
            end(testee, tracer)
            #expect(
                try Rows(scratch.database).texts("SELECT log_line FROM log_entries ORDER BY id")
                    == ["before rotation", "after rotation"])
        }

        @Test func aLogInAMissingDirectoryWarnsAndMetricsGoOn() throws {
            let scratch = Scratch()
            let (testee, tracer) = try traced(scratch, logs: [scratch.path + "/no/such/dir/app.log"])
            #expect(tracer.stderr.contains("not followed"), "stderr: \(tracer.stderr)")
            end(testee, tracer)
            #expect(try Rows(scratch.database).int("SELECT count(*) FROM performance_metrics") ?? 0 >= 1)
        }
    }
}
