import ArgumentParser
import Glibc

/// Parses the command line and runs it. Bad input exits with status 2 and one line naming the
/// problem (ArgumentParser's default for that is 64).
@main
enum Main {
    static func main() {
        do {
            var command = try ArgusTraceCommand.parseAsRoot()
            try command.run()
        } catch {
            let code = ArgusTraceCommand.exitCode(for: error)
            if code == .success {
                ArgusTraceCommand.exit(withError: error)  // --help, --version
            }
            if code == .validationFailure {
                let message = ArgusTraceCommand.message(for: error)
                    .split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                let line = "argus-trace: error: \(message) (see argus-trace --help)\n"
                _ = line.withCString { write(2, $0, strlen($0)) }
                // `run` keeps 0-124 and 126-255 for the command's own statuses (as timeout(1)).
                exit(CommandLine.arguments.dropFirst().first == "run" ? 125 : 2)
            }
            ArgusTraceCommand.exit(withError: error)
        }
    }
}
