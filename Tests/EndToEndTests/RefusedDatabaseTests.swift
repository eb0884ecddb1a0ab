import ArgusStore
import Foundation
import Testing

extension EndToEnd {
    /// A database argus-trace cannot use is refused before anything is traced: one line, status
    /// 1 (125 in `run`), and the file byte for byte as it was, with no -wal or -shm beside it.
    @Suite struct RefusedDatabaseTests {
        struct BadDatabase: Sendable, CustomTestStringConvertible {
            let name: String
            /// Makes the bad database at the path.
            let make: @Sendable (String) throws -> Void
            var testDescription: String { name }
        }

        static func sqlite(_ path: String, _ sql: String) throws {
            let database = try SQLiteDatabase(path: path, mode: .readWriteCreate)
            try database.execute(sql)
        }

        static let badDatabases: [BadDatabase] = [
            BadDatabase(name: "a directory") {
                try FileManager.default.createDirectory(atPath: $0, withIntermediateDirectories: false)
            },
            BadDatabase(name: "a text file") { try Data("not a database\n".utf8).write(to: URL(fileURLWithPath: $0)) },
            BadDatabase(name: "another app's table of the same name") {
                try sqlite(
                    $0,
                    "CREATE TABLE process_events (id INTEGER PRIMARY KEY, what TEXT); INSERT INTO process_events VALUES (1, 'x')"
                )
            },
            BadDatabase(name: "a newer schema") { try sqlite($0, "CREATE TABLE t (x); PRAGMA user_version = 999") },
            BadDatabase(name: "a negative user_version") {
                try sqlite($0, "CREATE TABLE t (x); PRAGMA user_version = -3")
            },
        ]

        /// The file's bytes (a directory: its entries) and modification time.
        static func fingerprint(_ path: String) -> String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return "\(bytes.base64EncodedString()) \(entries) \(String(describing: attributes?[.modificationDate]))"
        }

        @Test(arguments: badDatabases)
        func watchRefusesItWithStatusOne(_ bad: BadDatabase) throws {
            let scratch = Scratch()
            try bad.make(scratch.database)
            let before = Self.fingerprint(scratch.database)
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try Child(
                Binaries.tracer, ["--pid", "\(testee.pid)", "--db", scratch.database], scratch: scratch, label: "tracer"
            )
            #expect(tracer.exitStatus() == 1)
            let lines = tracer.stderr.split(separator: "\n")
            #expect(lines.count == 1, "stderr: \(tracer.stderr)")
            #expect(
                lines.first?.hasPrefix("argus-trace: error: cannot use \(scratch.database) as the database") == true)
            #expect(!tracer.stdout.contains("Starting monitoring"))
            #expect(Self.fingerprint(scratch.database) == before)
            for suffix in ["-wal", "-shm", "-journal"] {
                #expect(!FileManager.default.fileExists(atPath: scratch.database + suffix))
            }
            testee.openGate()
        }

        @Test func runRefusesItBeforeStartingTheCommand() throws {
            let scratch = Scratch()
            try Self.badDatabases[1].make(scratch.database)
            let before = Self.fingerprint(scratch.database)
            let marker = scratch.path + "/ran"
            let tracer = try Child(
                Binaries.tracer, ["run", "--db", scratch.database, "--", "/usr/bin/touch", marker], scratch: scratch,
                label: "tracer")
            #expect(tracer.exitStatus() == 125)
            #expect(
                tracer.stderr.contains("cannot use \(scratch.database) as the database"), "stderr: \(tracer.stderr)")
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(Self.fingerprint(scratch.database) == before)
        }

        @Test func aMissingTargetLeavesNoDatabase() throws {
            let scratch = Scratch()
            let tracer = try Child(
                Binaries.tracer, ["--pid", "4194305", "--db", scratch.database], scratch: scratch, label: "tracer")
            #expect(tracer.exitStatus() == 1)
            #expect(!FileManager.default.fileExists(atPath: scratch.database))
        }
    }
}
