import ArgusKernel

/// The options of a config file put before the command line's, so ArgumentParser parses (and
/// checks) both as one command line: `interval: 1` becomes `--interval=1` ahead of what was
/// typed. A key the command line gives is taken from the command line only (a repeatable one
/// too: `--alert` typed replaces the file's `alert` list). Keys of another command are left out
/// (a file can hold `grace` for `run` and still serve watching).
struct ConfigArguments {
    static let systemPath = "/etc/argus-trace/config.yaml"

    /// ~/.config/argus-trace/config.yaml ($HOME).
    static var userPath: String? {
        guard let home = Environment.value("HOME"), !home.isEmpty else { return nil }
        return home + "/.config/argus-trace/config.yaml"
    }

    /// The command line with the files' options in front.
    let arguments: [String]
    /// Where each key put in came from ("FILE:LINE"), for error messages; a list's values each
    /// have their own line.
    let origins: [String: String]
    let itemOrigins: [(key: String, value: String, origin: String)]

    /// The subcommands whose options a file may set ("" is watching, the root).
    static let commands: Set<String> = Set(Standalone.commands.keys)

    /// `arguments` without the program name. Reads `--config FILE`, or the default files that
    /// exist (the user's keys over the system's; a missing default is no error, a broken one is).
    /// `keys` is asked for only when there is a file to read (it describes every command: ~10 ms).
    init(_ arguments: [String], keys allKeys: @autoclosure () -> ConfigKeys) throws(ConfigFile.Problem) {
        let command = arguments.first.flatMap { Self.commands.contains($0) ? $0 : nil } ?? ""
        let rest = Array(command.isEmpty ? arguments[...] : arguments.dropFirst())
        let options = Array(rest.prefix { $0 != "--" })
        let explicit = Self.configPath(in: options)
        if options.contains(where: { ["--help", "-h", "--version", "--experimental-dump-help"].contains($0) })
            || (explicit == nil && Self.existingDefaults.isEmpty)
        {
            self.arguments = arguments
            origins = [:]
            itemOrigins = []
            return
        }
        let keys = allKeys()
        let files = try Self.files(explicit: explicit, keys: keys)
        let typed = Self.typedKeys(options)
        var chosen: [String: (entry: ConfigFile.Entry, path: String)] = [:]
        var order: [String] = []
        for file in files {
            for entry in file.entries where keys.command(command, has: entry.key) && !typed.contains(entry.key) {
                if chosen[entry.key] == nil { order.append(entry.key) }
                chosen[entry.key] = (entry, file.path)
            }
        }
        var words: [String] = []
        var origins: [String: String] = [:]
        var itemOrigins: [(key: String, value: String, origin: String)] = []
        for key in order {
            guard let (entry, path) = chosen[key] else { continue }
            origins[key] = "\(path):\(entry.line)"
            switch entry.value {
            case .scalar(let value): words.append("--\(key)=\(value)")
            case .list(let values):
                words += values.map { "--\(key)=\($0.value)" }
                for item in values { itemOrigins.append((key, item.value, "\(path):\(item.line)")) }
            case .flag(let on): if on { words.append("--\(key)") }
            }
        }
        self.arguments = (command.isEmpty ? [] : [command]) + words + rest
        self.origins = origins
        self.itemOrigins = itemOrigins
    }

    /// The files to read: --config's (which must exist), else the defaults that exist.
    static func files(explicit: String?, keys: ConfigKeys) throws(ConfigFile.Problem) -> [ConfigFile] {
        if let explicit { return [try ConfigFile(path: explicit, keys: keys)] }
        var files: [ConfigFile] = []
        for path in existingDefaults { files.append(try ConfigFile(path: path, keys: keys)) }
        return files
    }

    /// The default files that exist: the system's, then the user's.
    static var existingDefaults: [String] {
        [systemPath, userPath].compactMap { $0 }.filter { FileSystem.kind(of: $0) != .missing }
    }

    /// The value of `--config FILE` or `--config=FILE`.
    static func configPath(in options: [String]) -> String? {
        var found: String?
        for (index, word) in options.enumerated() {
            if word == "--config", index + 1 < options.count { found = options[index + 1] }
            if word.hasPrefix("--config=") { found = String(word.dropFirst("--config=".count)) }
        }
        return found
    }

    /// The long options typed on the command line.
    static func typedKeys(_ options: [String]) -> Set<String> {
        Set(
            options.filter { $0.hasPrefix("--") }.map {
                String($0.dropFirst(2).prefix { $0 != "=" })
            })
    }

    /// "FILE:LINE: key 'KEY'" for the first option of the file that `message` names, else nil.
    func origin(of message: String) -> String? {
        // A value of a list quoted in the message (a bad alert rule) is on its own line.
        for item in itemOrigins where message.contains("'\(item.value)'") {
            return "\(item.origin): key '\(item.key)'"
        }
        for (key, origin) in origins.sorted(by: { $0.key.count > $1.key.count }) {
            var searched = message[...]
            while let range = searched.firstRange(of: "--\(key)") {
                let after = searched[range.upperBound...].first
                if after == nil || !(after!.isLetter || after!.isNumber || after! == "-") {
                    return "\(origin): key '\(key)'"
                }
                searched = searched[range.upperBound...]
            }
        }
        return nil
    }
}
