import ArgumentParser
import ArgusRuntime

/// `argus-trace config check [FILE]`: reads a config file as a recording would, and checks
/// every value with the commands' own parsing, without running anything.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a config file.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a config file without running anything.",
            discussion: """
                Reads FILE (default: /etc/argus-trace/config.yaml and ~/.config/argus-trace/config.yaml, \
                those that exist) and checks every key and value as watch, run, stalls and prune would take \
                them. An unknown key, a wrong type or a bad value is one line naming the file, the line \
                and the key.

                Examples:
                  argus-trace config check /etc/argus-trace/config.yaml
                  argus-trace config check

                Exit status: 0 the file is good; 1 it is not (or cannot be read); 2 bad command line.
                """
        )

        @Argument(help: ArgumentHelp("The config file (YAML).", valueName: "file"))
        var file: String?

        func run() throws {
            let keys = ConfigKeys.all
            let files: [ConfigFile]
            do throws(ConfigFile.Problem) {
                files = try ConfigArguments.files(explicit: file, keys: keys)
            } catch {
                Console(verbosity: .quiet).error("\(error)")
                throw ExitCode(1)
            }
            guard !files.isEmpty else {
                print(
                    "no config file: neither \(ConfigArguments.systemPath) nor \(ConfigArguments.userPath ?? "~/.config/argus-trace/config.yaml") exists"
                )
                return
            }
            for file in files {
                if let problem = ConfigCheck.problem(in: file, keys: keys) {
                    Console(verbosity: .quiet).error(problem)
                    throw ExitCode(1)
                }
                print("\(file.path): ok (\(file.entries.count) key(s))")
            }
        }
    }
}

/// Checks a file's values by parsing them as each command that takes them would.
enum ConfigCheck {
    static func problem(in file: ConfigFile, keys: ConfigKeys) -> String? {
        let configOption = ["--config", file.path]
        // Watching, run (with a command to run), and the others only when the file holds one of
        // their own options (prune needs a rule to be valid at all).
        var trials: [(String, [String])] = [("", configOption), ("run", ["run"] + configOption + ["--", "true"])]
        for command in Standalone.commands.keys.sorted()
        where command != "run"
            && file.entries.contains(where: { keys.command(command, has: $0.key) && !keys.command("", has: $0.key) })
        {
            trials.append((command, [command] + configOption))
        }
        for (command, arguments) in trials {
            let merged: ConfigArguments
            do throws(ConfigFile.Problem) {
                merged = try ConfigArguments(arguments, keys: keys)
            } catch {
                return "\(error)"
            }
            let words = command.isEmpty ? merged.arguments : Array(merged.arguments.dropFirst())
            let message: String?
            if let type = Standalone.commands[command] {
                message = failure(type, words)
            } else {
                message = failure(ArgusTraceCommand.self, words)
            }
            if let message {
                return merged.origin(of: message).map { "\($0): \(message)" } ?? "\(file.path): \(message)"
            }
        }
        return nil
    }

    private static func failure<Command: ParsableCommand>(_ type: Command.Type, _ words: [String]) -> String? {
        do {
            _ = try type.parseAsRoot(words)
            return nil
        } catch {
            return type.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid"
        }
    }
}
