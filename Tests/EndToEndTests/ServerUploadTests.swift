import ArgusStore
import Foundation
import Testing

extension EndToEnd {
    /// Gaze's --server: the database is the outbox; the receiver is Python's http.server.
    @Suite struct ServerUploadTests {
        /// Every Gaze row of the database as the payload the spec says, per table in id order.
        func expectedPayloads(_ database: String) throws -> [String: [[String: AnyHashable]]] {
            let rows = try Rows(database)
            func read(_ sql: String, _ build: (SQLiteStatement) -> [String: AnyHashable]) throws
                -> [[String: AnyHashable]]
            {
                let statement = try rows.database.prepare(sql)
                var payloads: [[String: AnyHashable]] = []
                while try statement.step() { payloads.append(build(statement)) }
                return payloads
            }
            func common(_ type: String, _ s: SQLiteStatement) -> [String: AnyHashable] {
                [
                    "event_type": type, "timestamp": s.text(0) ?? "", "app_name": s.text(1) ?? "",
                    "process_name": s.text(2) ?? "", "process_id": Int(s.int64(3) ?? 0),
                    "hostname": s.text(4).map { AnyHashable($0) } ?? AnyHashable(NSNull()),
                ]
            }
            let head = "timestamp, app_name, process_name, process_id, hostname"
            return [
                "performance_metric": try read(
                    "SELECT \(head), cpu_percent, memory_mb, thread_count FROM performance_metrics ORDER BY id"
                ) { s in
                    common("performance_metric", s).merging([
                        "cpu_percent": s.double(5) ?? 0, "memory_mb": s.double(6) ?? 0,
                        "thread_count": Int(s.int64(7) ?? 0),
                    ]) { $1 }
                },
                "log_entry": try read("SELECT \(head), log_line, logfile_path FROM log_entries ORDER BY id") { s in
                    common("log_entry", s).merging([
                        "log_line": s.text(5) ?? "",
                        "logfile_path": s.text(6).map { AnyHashable($0) } ?? AnyHashable(NSNull()),
                    ]) { $1 }
                },
                "process_event": try read("SELECT \(head), event_type, exit_code FROM process_events ORDER BY id") {
                    s in
                    common("process_event", s).merging([
                        "process_event_type": s.text(5) ?? "",
                        "exit_code": s.int64(6).map { AnyHashable(Int($0)) } ?? AnyHashable(NSNull()),
                    ]) { $1 }
                },
            ]
        }

        /// What the receiver got, per event_type in arrival order, each body as the spec's fields.
        func received(_ receiver: HTTPReceiver) -> [String: [[String: AnyHashable]]] {
            var byType: [String: [[String: AnyHashable]]] = [:]
            for request in receiver.requests(to: "/api/ingest") {
                guard let json = request.json, let type = json["event_type"] as? String else { continue }
                var payload: [String: AnyHashable] = [:]
                for (key, value) in json {
                    if let number = value as? NSNumber, !(value is Bool), key != "cpu_percent", key != "memory_mb" {
                        payload[key] = number.intValue
                    } else if let number = value as? NSNumber {
                        payload[key] = number.doubleValue
                    } else if let text = value as? String {
                        payload[key] = text
                    } else {
                        payload[key] = NSNull()
                    }
                }
                byType[type, default: []].append(payload)
            }
            return byType
        }

        func rowCount(_ database: String) -> Int {
            guard let rows = try? Rows(database) else { return 0 }
            return ["performance_metrics", "log_entries", "process_events"].reduce(0) {
                $0 + Int((try? rows.int("SELECT count(*) FROM \($1)")) ?? 0)
            }
        }

        @Test func aServerDownThenFailingThenUpGetsEveryRowOnceInOrderAndUploadSendsNothingAgain() throws {
            let scratch = Scratch()
            let receiver = try HTTPReceiver(scratch: scratch, listening: false)
            let log = scratch.path + "/app.log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let testee = try Child(Binaries.testee, ["gate", "exit", "5"], scratch: scratch, label: "testee")
            let tracer = try Child(
                Binaries.tracer,
                [
                    "--pid", "\(testee.pid)", "--interval", "0.2", "--logfile", log, "--server", receiver.url,
                    "--db", scratch.database,
                ], scratch: scratch, label: "tracer", environment: ["ARGUS_API_KEY": "secret-key"])
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            // Down: nothing listens on the port.
            #expect(
                eventually(within: 20) { tracer.stderr.contains("--server: upload to") }, "stderr: \(tracer.stderr)")
            AppLog(log).write("one\ntwo \"quoted\"\n")
            // Up, but failing with 503 for a while; recording goes on meanwhile.
            receiver.answer(503)
            try receiver.start()
            let before = rowCount(scratch.database)
            #expect(eventually(within: 20) { rowCount(scratch.database) >= before + 5 })
            #expect(receiver.requests.isEmpty)
            receiver.answer(nil)
            #expect(
                eventually(within: 20) { receiver.requests.count >= rowCount(scratch.database) - 2 }, "\(tracer.stderr)"
            )
            AppLog(log).write("three\n")
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            #expect(tracer.stderr.components(separatedBy: "--server: upload to").count == 2, "\(tracer.stderr)")
            #expect(!tracer.stderr.contains("not uploaded yet"), "\(tracer.stderr)")

            let expected = try expectedPayloads(scratch.database)
            let got = received(receiver)
            #expect((expected["log_entry"]?.count ?? 0) == 3)
            for type in ["performance_metric", "log_entry", "process_event"] {
                #expect(got[type] == expected[type], "\(type)")
            }
            #expect(receiver.requests.allSatisfy { $0.headers["x-api-key"] == "secret-key" })
            #expect(got["process_event"]?.last?["process_event_type"] == AnyHashable("monitoring_stopped"))
            #expect(got["process_event"]?.contains { $0["exit_code"] == AnyHashable(5) } == true)

            // A later upload of the same database sends nothing: the cursor survived.
            let sentBefore = receiver.requests.count
            let upload = try runToCompletion(
                Binaries.tracer, ["upload", "--server", receiver.url, "--db", scratch.database], scratch: scratch,
                label: "upload")
            #expect(upload.stdout.contains("nothing left to send"), "\(upload.stdout)\(upload.stderr)")
            #expect(receiver.requests.count == sentBefore)
        }

        @Test func rowsRecordedWhileTheServerIsAwayAreSentByUploadOnceWithTheKeyFromAFile() throws {
            let scratch = Scratch()
            let receiver = try HTTPReceiver(scratch: scratch, listening: false)
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                ["--pid", "\(testee.pid)", "--interval", "0.1", "--server", receiver.url], scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            #expect(eventually(within: 20) { rowCount(scratch.database) >= 6 })
            testee.openGate()
            let gateOpened = Date()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            // A server that is away costs the exit one more try, not a long wait (Gaze: within 5 s).
            #expect(Date().timeIntervalSince(gateOpened) < 3, "\(tracer.stderr)")
            #expect(tracer.stderr.contains("not uploaded yet"), "\(tracer.stderr)")

            try receiver.start()
            let keyFile = scratch.path + "/key"
            try "file-key\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
            let arguments = [
                "upload", "--server", receiver.url + "/", "1", "--db", scratch.database, "--server-key-file", keyFile,
            ]
            let upload = try runToCompletion(Binaries.tracer, arguments, scratch: scratch, label: "upload")
            #expect(upload.stdout.contains("Session 1: \(rowCount(scratch.database)) row(s) sent"), "\(upload.stdout)")
            let got = received(receiver)
            let expected = try expectedPayloads(scratch.database)
            for type in ["performance_metric", "log_entry", "process_event"] {
                #expect((got[type] ?? []) == (expected[type] ?? []), "\(type)")
            }
            #expect(receiver.requests.allSatisfy { $0.headers["x-api-key"] == "file-key" })
            let again = try runToCompletion(Binaries.tracer, arguments, scratch: scratch, label: "upload")
            #expect(again.stdout.contains("nothing left to send"))
            #expect(receiver.requests.count == rowCount(scratch.database))
        }

        @Test func httpsGoesThroughCurlsTLSWhichVerifiesTheCertificateAgainstTheTrustedCAs() throws {
            let scratch = Scratch()
            let receiver = try HTTPReceiver(scratch: scratch, tls: try HTTPReceiver.selfSignedCertificate(scratch))
            #expect(receiver.url.hasPrefix("https://"))
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                ["--pid", "\(testee.pid)", "--interval", "0.2", "--server", receiver.url], scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            // A self-signed certificate is not trusted: the TLS handshake happened and was refused.
            #expect(
                eventually(within: 20) { tracer.stderr.contains("--server: upload to") }, "stderr: \(tracer.stderr)")
            #expect(tracer.stderr.lowercased().contains("certificate"), "stderr: \(tracer.stderr)")
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "stderr: \(tracer.stderr)")
            #expect(receiver.requests.isEmpty)

            // Trusted through CURL_CA_BUNDLE (as the curl tool reads it), the same server takes the upload.
            let upload = try Child(
                Binaries.tracer, ["upload", "--server", receiver.url, "--db", scratch.database], scratch: scratch,
                label: "upload", environment: ["CURL_CA_BUNDLE": scratch.path + "/cert.pem"])
            #expect(upload.exitStatus(within: 20) == 0, "\(upload.stdout)\(upload.stderr)")
            let rows = try Rows(scratch.database)
            let stored = try rows.int(
                "SELECT (SELECT count(*) FROM performance_metrics) + (SELECT count(*) FROM log_entries) "
                    + "+ (SELECT count(*) FROM process_events)")
            #expect(Int64(receiver.requests.count) == stored)
        }

        @Test func aServerThatNeverAnswersDoesNotHoldUpTheExit() throws {
            let scratch = Scratch()
            let receiver = try HTTPReceiver(scratch: scratch)
            receiver.hang()
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                [
                    "--pid", "\(testee.pid)", "--interval", "0.2", "--server", receiver.url, "--otlp-endpoint",
                    receiver.url,
                ], scratch: scratch)
            #expect(waitAttached(tracer), "stderr: \(tracer.stderr)")
            testee.openGate()
            let gateOpened = Date()
            #expect(tracer.exitStatus(within: 20) == 0, "stderr: \(tracer.stderr)")
            #expect(Date().timeIntervalSince(gateOpened) < 5, "\(tracer.stderr)")
            #expect(tracer.stderr.contains("did not finish in time"), "\(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(*) FROM process_events WHERE event_type = 'terminated'") == 1)
        }
    }
}
