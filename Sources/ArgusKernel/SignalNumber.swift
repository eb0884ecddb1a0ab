import Glibc

/// The signal numbers argus-trace handles or sends, so no layer above needs Glibc for them.
public enum SignalNumber {
    public static let hangup = SIGHUP
    public static let interrupt = SIGINT
    public static let terminate = SIGTERM
    public static let kill = SIGKILL
    public static let child = SIGCHLD
    public static let pipe = SIGPIPE
}
