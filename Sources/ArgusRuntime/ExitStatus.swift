/// argus-trace's own exit statuses, documented in the README and in --help.
public enum ExitStatus {
    /// The target ended (or `run`'s command succeeded) and every row was saved.
    public static let success: Int32 = 0
    /// The target does not exist, already ended, or cannot be watched.
    public static let targetNotFound: Int32 = 1
    /// Bad command line.
    public static let usage: Int32 = 2
    /// Some rows could not be written to the database (the message says how many).
    public static let rowsUnsaved: Int32 = 3
    /// argus-trace itself failed (could not set up its event loop).
    public static let internalFailure: Int32 = 4
    /// `run`: the --timeout passed (timeout(1)'s status).
    public static let timedOut: Int32 = 124
    /// `run`: argus-trace itself failed (bad command line, no event loop).
    public static let runFailed: Int32 = 125
    /// `run`: the command was found but could not be executed.
    public static let commandNotExecutable: Int32 = 126
    /// `run`: the command was not found.
    public static let commandNotFound: Int32 = 127
    /// Stopped by a signal: 128 + its number (SIGHUP 129, SIGINT 130, SIGTERM 143).
    public static func stoppedBySignal(_ signal: Int32) -> Int32 { 128 + signal }
}

/// The program's version, stored with every session.
public enum ArgusVersion {
    public static let current = "0.1.0"
}
