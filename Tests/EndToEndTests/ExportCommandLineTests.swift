import Foundation
import Testing

extension EndToEnd {
    @Suite struct ExportCommandLineTests {
        @Test func helpNamesTheExportOptionsAndTheUploadCommand() throws {
            let scratch = Scratch()
            let help = try Child(Binaries.tracer, ["--help"], scratch: scratch, label: "help")
            #expect(help.exitStatus() == 0)
            for text in ["--otlp-endpoint", "--server", "--server-key-file", "upload"] {
                #expect(help.stdout.contains(text), "help lacks \(text)")
            }
            let upload = try Child(Binaries.tracer, ["upload", "--help"], scratch: scratch, label: "upload-help")
            #expect(upload.exitStatus() == 0)
            for text in ["--server", "--db", "--retry-for", "X-API-Key", "Examples:", "Exit status:"] {
                #expect(upload.stdout.contains(text), "upload help lacks \(text)")
            }
        }

        @Test func badExportOptionsAreOneLineErrorsWithStatus2() throws {
            let scratch = Scratch()
            for (arguments, message) in [
                (["--pid", "1", "--otlp-endpoint", "localhost:4318"], "--otlp-endpoint takes an http:// or https://"),
                (["--pid", "1", "--server", "ftp://x"], "--server takes an http:// or https://"),
                (["--pid", "1", "--server-key-file", "/etc/hostname"], "--server-key-file needs --server"),
                (
                    ["--pid", "1", "--server", "http://x", "--server-key-file", scratch.path + "/none"],
                    "--server-key-file: cannot read"
                ),
                (["upload"], "upload needs --server"),
                (["upload", "--server", "http://x", "0"], "a session id is a positive number"),
            ] {
                let tracer = try Child(Binaries.tracer, arguments, scratch: scratch, label: "bad")
                #expect(tracer.exitStatus() == 2, "\(arguments)")
                #expect(tracer.stderr.contains(message), "\(arguments): \(tracer.stderr)")
                #expect(tracer.stderr.split(separator: "\n").count == 1, "\(tracer.stderr)")
            }
            let missing = try Child(
                Binaries.tracer, ["upload", "--server", "http://127.0.0.1:9", "--db", scratch.path + "/none.db"],
                scratch: scratch, label: "none")
            #expect(missing.exitStatus() == 1)
            #expect(missing.stderr.contains("no such database"), "\(missing.stderr)")
        }
    }
}
