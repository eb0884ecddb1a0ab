/// A recorder's --retention and --max-db-size: the writer thread applies `rule` at start and
/// then every `periodNs`, between its batches, one small transaction at a time, never to the
/// session it is recording (whose rows are not trimmed either, however old).
public struct RetentionPolicy: Sendable {
    public var rule: RetentionRule
    public var periodNs: UInt64 = 600_000_000_000
    /// Nanoseconds since the epoch now (the age cutoff is taken from it).
    public var wallClockNs: @Sendable () -> Int64

    public init(rule: RetentionRule, periodNs: UInt64 = 600_000_000_000, wallClockNs: @escaping @Sendable () -> Int64) {
        self.rule = rule
        self.periodNs = periodNs
        self.wallClockNs = wallClockNs
    }
}

/// The writer thread's side of a `RetentionPolicy`: when a pass is due, and the pass under way.
/// Lives on the writer thread only.
struct RetentionRunner {
    let policy: RetentionPolicy
    /// When the next pass starts (monotonic ns); the first is due at once.
    private var dueNs: UInt64 = 0
    private var job: PruneJob?
    /// The connection the pass runs on: a pass does not follow the writer to a new one.
    private var jobDatabase: ObjectIdentifier?
    /// A step that found the database busy is tried again after `retryNs`, up to `maxBusy` times.
    private var retryAtNs: UInt64 = 0
    private var busyInARow = 0
    private var warnedFailure = false
    private var warnedOverSize = false
    static let retryNs: UInt64 = 1_000_000_000
    static let maxBusy = 10

    init(_ policy: RetentionPolicy) { self.policy = policy }

    /// How long until there is work (0: now).
    func waitNs(now: UInt64) -> UInt64 {
        let at = job == nil ? dueNs : retryAtNs
        return at > now ? at - now : 0
    }

    /// Does one small transaction of the pass (starting one when due) on `database`, keeping
    /// away from session `protecting`. Returns the pass's report when it has just ended.
    mutating func step(
        _ database: SQLiteDatabase, protecting session: Int64, now: UInt64, warn: (String) -> Void
    ) -> PruneReport? {
        guard waitNs(now: now) == 0 else { return nil }
        do throws(SQLiteError) {
            if jobDatabase != ObjectIdentifier(database) { job = nil }
            if job == nil {
                dueNs = now + policy.periodNs
                job = try PruneJob(database, rule: policy.rule, nowNs: policy.wallClockNs(), protecting: session)
                jobDatabase = ObjectIdentifier(database)
            }
            guard let job, try !job.step() else { return nil }
            self.job = nil
            busyInARow = 0
            warnIfOverSize(job.report, warn: warn)
            return job.report
        } catch {
            retryAtNs = now + Self.retryNs
            busyInARow += 1
            if !error.isBusy || busyInARow > Self.maxBusy {
                // Given up until the next pass, which picks up where this one stopped.
                job = nil
                busyInARow = 0
                if !warnedFailure {
                    warnedFailure = true
                    warn("retention: cannot remove old sessions: \(error.message); tried again every period")
                }
            }
            return nil
        }
    }

    private mutating func warnIfOverSize(_ report: PruneReport, warn: (String) -> Void) {
        guard let maxBytes = policy.rule.maxBytes, report.usedAfter > Int64(clamping: maxBytes), !warnedOverSize else {
            return
        }
        warnedOverSize = true
        warn(
            "retention: the database holds \(report.usedAfter) bytes, over --max-db-size \(maxBytes), with no ended "
                + "session left to remove (the session being recorded is kept)")
    }
}
