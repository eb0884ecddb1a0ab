import Foundation
import Testing

extension EndToEnd {
    @Suite struct CommandLineTests {
        struct BadInput: Sendable, CustomTestStringConvertible {
            let arguments: [String]
            let status: Int32
            let message: String
            var testDescription: String { arguments.isEmpty ? "(no arguments)" : arguments.joined(separator: " ") }
        }

        static let badInputs: [BadInput] = [
            BadInput(arguments: [], status: 2, message: "one of --pid, --process, --cgroup or --unit is required"),
            BadInput(arguments: ["--pid", "1", "--process", "x"], status: 2, message: "mutually exclusive"),
            BadInput(arguments: ["--pid", "abc"], status: 2, message: "abc"),
            BadInput(arguments: ["--pid", "0"], status: 2, message: "positive"),
            BadInput(arguments: ["--pid", "1", "--interval", "0"], status: 2, message: "--interval"),
            BadInput(arguments: ["--pid", "1", "--interval", "-1"], status: 2, message: "--interval"),
            BadInput(arguments: ["--pid", "1", "--interval", "abc"], status: 2, message: "abc"),
            BadInput(arguments: ["--pid", "1", "--wait"], status: 2, message: "--wait goes with --process"),
            BadInput(arguments: ["--pid", "1", "--verbose", "--quiet"], status: 2, message: "mutually exclusive"),
            BadInput(arguments: ["--pid", "1", "--bogus"], status: 2, message: "--bogus"),
            BadInput(arguments: ["--pid", "4194305"], status: 1, message: "no process with PID 4194305"),
            BadInput(
                arguments: ["--process", "no-such-process-\(UUID().uuidString.prefix(8))"], status: 1,
                message: "is running"),
        ]

        @Test(arguments: badInputs)
        func badInputGetsOneLineAndItsStatus(_ input: BadInput) throws {
            let scratch = Scratch()
            let tracer = try Child(Binaries.tracer, input.arguments, scratch: scratch, label: "tracer")
            #expect(tracer.exitStatus() == input.status)
            let lines = tracer.stderr.split(separator: "\n")
            #expect(lines.count == 1, "stderr: \(tracer.stderr)")
            #expect(lines.first?.hasPrefix("argus-trace: error: ") == true)
            #expect(tracer.stderr.contains(input.message), "stderr: \(tracer.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.database))
        }

        @Test func anExitedProcessIsNotFound() throws {
            let scratch = Scratch()
            let zombieParent = try Child("/bin/sh", ["-c", "/bin/true & read x"], scratch: scratch, label: "sh")
            // The child of `sh` stays a zombie until sh reads its line.
            var zombie: Int32?
            #expect(
                eventually {
                    zombie =
                        (try? String(
                            contentsOfFile: "/proc/\(zombieParent.pid)/task/\(zombieParent.pid)/children",
                            encoding: .utf8))
                        .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                    return zombie.map {
                        (try? String(contentsOfFile: "/proc/\($0)/stat", encoding: .utf8))?.contains(") Z ") == true
                    } ?? false
                })
            let tracer = try Child(Binaries.tracer, ["--pid", "\(zombie ?? 0)"], scratch: scratch, label: "tracer")
            #expect(tracer.exitStatus() == 1)
            #expect(tracer.stderr.contains("has already exited"), "stderr: \(tracer.stderr)")
            zombieParent.openGate()
        }

        @Test func helpShowsUsageExamplesAndExitStatuses() throws {
            let scratch = Scratch()
            let tracer = try Child(Binaries.tracer, ["--help"], scratch: scratch, label: "help")
            #expect(tracer.exitStatus() == 0)
            for text in [
                "--pid", "--process", "--wait", "--interval", "--logfile", "--app-name", "--db", "--verbose", "--quiet",
                "Examples:", "Exit status:", "--no-stalls", "--stall-d-state", "--stall-runqueue", "--stall-pressure",
                "--stall-window", "stalls", "--logfile-start",
            ] {
                #expect(tracer.stdout.contains(text), "help lacks \(text)")
            }
            let stalls = try Child(Binaries.tracer, ["stalls", "--help"], scratch: scratch, label: "stalls-help")
            #expect(stalls.exitStatus() == 0)
            for text in ["--db", "--json", "Examples:", "Exit status:"] {
                #expect(stalls.stdout.contains(text), "stalls help lacks \(text)")
            }
        }

        @Test func badStallOptionsAreOneLineErrorsWithStatus2() throws {
            let scratch = Scratch()
            for (arguments, message) in [
                (["--pid", "1", "--stall-sample", "0.001"], "--stall-sample must be between"),
                (["--pid", "1", "--stall-log-silence", "5"], "--stall-log-silence needs a --logfile"),
                (["--pid", "1", "--stall-pressure", "150"], "--stall-pressure must be between"),
                (["--pid", "1", "--logfile-start", "end"], "--logfile-start needs a --logfile"),
                (["stalls", "0"], "a stall id is a positive number"),
            ] {
                let tracer = try Child(Binaries.tracer, arguments, scratch: scratch, label: "bad")
                #expect(tracer.exitStatus() == 2, "\(arguments)")
                #expect(tracer.stderr.contains(message), "\(arguments): \(tracer.stderr)")
                #expect(tracer.stderr.split(separator: "\n").count == 1)
            }
            let missing = try Child(
                Binaries.tracer, ["stalls", "--db", scratch.path + "/none.db"], scratch: scratch, label: "none")
            #expect(missing.exitStatus() == 1)
            #expect(missing.stderr.contains("cannot read the database"))
        }
    }
}
