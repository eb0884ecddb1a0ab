import ArgumentParser
import ArgusKernel
import ArgusRuntime

/// The subcommands parsed on their own rather than through the root: ArgumentParser hands an
/// option that the root also declares (--db, --server) to the root, and through the root it
/// also reflects and decodes every option of watching (a third of a run's start-up instructions).
enum Standalone {
    static let commands: [String: any ParsableCommand.Type] = [
        "run": RunCommand.self, "stalls": StallsCommand.self, "prune": PruneCommand.self,
        "sessions": SessionsCommand.self, "report": ReportCommand.self, "upload": UploadCommand.self,
    ]

    /// The status of a bad command line: `run` keeps 0-124 and 126-255 for the command's own
    /// statuses (as timeout(1)).
    static func badInputStatus(_ command: String?) -> Int32 { command == "run" ? 125 : 2 }
}

/// Parses the command line and runs it. Bad input exits with status 2 and one line naming the
/// problem (ArgumentParser's default for that is 64).
@main
enum Main {
    static func main() {
        let typed = Array(CommandLine.arguments.dropFirst())
        if typed.first == "config" {
            run(ConfigCommand.self, Array(typed.dropFirst()), badInputStatus: 2)
        }
        // A config file's options go in front of the typed ones (ConfigArguments).
        let config: ConfigArguments
        do throws(ConfigFile.Problem) {
            config = try ConfigArguments(typed, keys: ConfigKeys.all)
        } catch {
            Console(verbosity: .quiet).error("\(error)")
            ArgusTraceCommand.exit(withError: ExitCode(Standalone.badInputStatus(typed.first)))
        }
        let arguments = config.arguments
        if let name = arguments.first, let command = Standalone.commands[name] {
            run(command, Array(arguments.dropFirst()), badInputStatus: Standalone.badInputStatus(name), config: config)
        }
        run(ArgusTraceCommand.self, arguments, badInputStatus: 2, config: config)
    }

    private static func run<Command: ParsableCommand>(
        _ type: Command.Type, _ arguments: [String], badInputStatus: Int32, config: ConfigArguments? = nil
    )
        -> Never
    {
        do {
            var command = try type.parseAsRoot(arguments)
            try command.run()
            type.exit()
        } catch let code as ExitCode {
            // A status the command chose: exit with it directly. ArgumentParser's exit(withError:)
            // and exitCode(for:) build the whole help text first (about as much work as parsing).
            ProcessControl.exit(code.rawValue)
        } catch {
            let code = type.exitCode(for: error)
            if code == .success {
                type.exit(withError: error)  // --help, --version
            }
            if code == .validationFailure {
                let message =
                    type.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                if let origin = config?.origin(of: message) {
                    Console(verbosity: .quiet).error("\(origin): \(message)")
                    type.exit(withError: ExitCode(badInputStatus))
                }
                Console(verbosity: .quiet).error(
                    "\(message) (see argus-trace \(subcommand(type))--help)")
                type.exit(withError: ExitCode(badInputStatus))
            }
            type.exit(withError: error)
        }
    }

    /// "stalls ", "report " … for a subcommand parsed on its own, "" for the root.
    private static func subcommand<Command: ParsableCommand>(_ type: Command.Type) -> String {
        type == ArgusTraceCommand.self ? "" : type.configuration.commandName.map { $0 + " " } ?? ""
    }
}
