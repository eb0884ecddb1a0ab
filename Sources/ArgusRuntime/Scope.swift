import ArgusCore
import ArgusKernel
import ArgusStore

/// What differs between modes, and nothing else: which processes are members, whether
/// argus-trace spawned the root (and so reaps it), what signals mean, and when the session ends.
/// Sampling, events, logs, stalls and the store are the session's, the same in every scope.
protocol Scope: AnyObject {
    /// "watch" or "run", stored in the session row.
    var mode: String { get }
    /// Forked children of members join the session.
    var followsChildren: Bool { get }
    /// A service is watched across its restarts (rows carry their generation).
    var followsRestarts: Bool { get }
    /// argus-trace spawned the root and reaps it and every orphan (a child subreaper).
    var reaps: Bool { get }
    /// Signals the scope handles (SIGCHLD is added when argus-trace reaps).
    var handledSignals: [Int32] { get }
    /// Where progress lines go: stdout, or stderr when the program's own output is on stdout.
    var progressDescriptor: Int32 { get }
    /// The root's samples, exec and log lines are printed at normal verbosity (else with --verbose).
    var echoesRoot: Bool { get }
    /// Exit status when argus-trace cannot set itself up.
    var setupFailureStatus: Int32 { get }
    /// Exit status when the database is refused at start.
    var refusedDatabaseStatus: Int32 { get }

    /// Finds or starts the root, once every source is ready. Attaches it with `session.attach`,
    /// or leaves the session waiting for it.
    func begin(_ session: Session) -> ScopeStart
    /// Every kernel event, before the process table sees it (--wait, processes moved into a
    /// watched cgroup).
    func observe(_ event: ProcEvent, _ session: Session)
    /// Every sample tick, before the members are sampled (a cgroup's membership is checked).
    func sampleTick(_ session: Session)
    /// A descriptor the scope registered with `session.watchForScope` is readable.
    func descriptorReadable(_ session: Session)
    /// INT, TERM or HUP arrived.
    func handle(_ delivery: SignalChannel.Delivery, _ session: Session)
    /// A member ended (its rows are submitted already).
    func memberEnded(_ member: ProcessTable.Member, corrected: Bool, _ session: Session)
    /// The scope's own timer fired (a grace period, a kill deadline).
    func timerFired(_ session: Session)
    /// After each turn of the loop: whether the session should stop now. The scope may move on
    /// here (a service that ended starts waiting for its next incarnation).
    func isDone(_ session: Session) -> Bool
    /// The scope watches a group of processes: a group line per interval, and a line for each
    /// member that fails.
    var isGroup: Bool { get }
    /// The scope reads a program's /proc files when it execs (to match a name, to check its
    /// cgroup), so every exec must be handled the moment it comes, even in a burst.
    var readsProgramsAtExec: Bool { get }
    /// Why the session ended, for the session row and `monitoring_stopped`.
    func endReason(_ session: Session) -> String
    /// Prints the summary, writes reports, and returns argus-trace's exit status.
    func finish(_ session: Session, unsavedRows: Int, stoppedAt: WallTime) -> Int32
}

enum ScopeStart {
    /// The root is attached: the loop runs.
    case attached
    /// No root yet: the loop runs and the scope attaches one when it appears.
    case waiting
    /// Nothing to watch: exit with this status (the scope said why).
    case failed(Int32)
}
