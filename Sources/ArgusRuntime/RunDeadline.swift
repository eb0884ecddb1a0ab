import ArgusCore
import ArgusKernel
import ArgusStore

/// `run --timeout` and `--heartbeat`: the deadline; at it, a capture of what every process of
/// the tree is doing (on a worker thread, bounded in time), then the timeout signal to all of
/// them and SIGKILL to what is left after --kill-after; and the periodic heartbeat line.
final class RunDeadline {
    enum Phase: Equatable {
        case waiting
        /// The deadline passed; the tree is being captured.
        case capturing
        /// The timeout signal went out; SIGKILL follows at --kill-after.
        case signalled
        /// SIGKILL went out; what is left is given a moment, then no longer waited for.
        case killed
        /// Everything that could be done was.
        case over
    }

    /// How long the capture of a tree may take before the signals go out anyway.
    static let captureBudgetNs: UInt64 = 10_000_000_000
    /// After SIGKILL, how long to wait for the ends before giving up on them.
    static let afterKillNs: UInt64 = 2_000_000_000

    private let options: RunOptions
    private let deadline: Timer?
    private let killTimer: Timer
    private let heartbeat: Timer?
    private(set) var phase = Phase.waiting
    /// What was running at the deadline, for the summary and the reports.
    private(set) var capture: RunTimeout?

    init(options: RunOptions, session: Session) throws(Errno) {
        self.options = options
        killTimer = try Timer()
        try session.watchForScope(killTimer.descriptor.rawValue)
        if let timeoutNs = options.timeoutNs {
            let timer = try Timer()
            try session.watchForScope(timer.descriptor.rawValue)
            try timer.arm(firstNs: timeoutNs)
            deadline = timer
        } else {
            deadline = nil
        }
        if let heartbeatNs = options.heartbeatNs {
            let timer = try Timer()
            try session.watchForScope(timer.descriptor.rawValue)
            try timer.arm(firstNs: heartbeatNs, intervalNs: heartbeatNs)
            heartbeat = timer
        } else {
            heartbeat = nil
        }
    }

    var timedOut: Bool { phase != .waiting }

    /// One of the timers fired.
    func timersReadable(_ session: Session) {
        if let heartbeat, heartbeat.acknowledge() > 0 { beat(session) }
        if let deadline, deadline.acknowledge() > 0, phase == .waiting { deadlinePassed(session) }
        if killTimer.acknowledge() > 0 { killTimerFired(session) }
    }

    /// The heartbeat line: how long CMD has run, how many processes run, the three longest.
    private func beat(_ session: Session) {
        let now = Clocks.monotonicNs()
        let running = session.table.running.sorted { $0.startedNs < $1.startedNs }
        let longest = running.prefix(3).map {
            "\($0.pid) \($0.name) (\(Format.duration(now - min(now, $0.startedNs))))"
        }
        session.console.info(
            "heartbeat: \(Format.duration(now - session.startedMonotonicNs)), \(running.count) process(es) running"
                + (longest.isEmpty ? "" : "; longest: " + longest.joined(separator: ", ")))
    }

    private func deadlinePassed(_ session: Session) {
        phase = .capturing
        let members = session.table.live.values.sorted { $0.startedNs < $1.startedNs }
        session.console.info(
            "timeout: \(options.command[0]) ran longer than \(Format.duration(options.timeoutNs ?? 0)); capturing "
                + "what its \(members.count) process(es) are doing")
        let pids = members.map(\.pid)
        session.background.run(
            { TreeCapture.capture(pids: pids, budgetNs: Self.captureBudgetNs) },
            then: { [self] result in
                let timeout = RunTimeout(afterNs: options.timeoutNs ?? 0, capture: result)
                capture = timeout
                session.recordTimeout(timeout)
                signalTree(session)
            })
    }

    /// The timeout signal to every process of the tree, then SIGKILL after --kill-after.
    private func signalTree(_ session: Session) {
        let live = session.table.live.keys.sorted()
        session.console.info(
            "timeout: sending \(SignalName.of(Int(options.timeoutSignal))) to \(live.count) process(es); SIGKILL after "
                + Format.duration(options.killAfterNs))
        for pid in live { ProcessControl.signal(pid, options.timeoutSignal) }
        phase = .signalled
        try? killTimer.arm(firstNs: options.killAfterNs)
    }

    private func killTimerFired(_ session: Session) {
        let live = session.table.live.keys.sorted()
        switch phase {
        case .signalled where !live.isEmpty:
            session.console.info("timeout: sending SIGKILL to \(live.count) process(es) still running")
            for pid in live { ProcessControl.signal(pid, SignalNumber.kill) }
            phase = .killed
            try? killTimer.arm(firstNs: Self.afterKillNs)
        case .signalled, .killed:
            phase = .over
        case .waiting, .capturing, .over:
            break
        }
    }

    /// After the timeout: the session is over once the tree is gone, or once SIGKILL had its
    /// moment. The timeout stall ends then.
    func isOver(_ session: Session) -> Bool {
        let gone = (phase == .signalled || phase == .killed) && session.table.live.isEmpty
        guard phase == .over || gone else { return false }
        if let capture, !stallEnded {
            stallEnded = true
            session.endTimeoutStall(
                started: capture.at, afterNs: capture.afterNs,
                reason: gone ? "tree stopped" : "processes outlived SIGKILL; no longer waited for")
        }
        return true
    }

    private var stallEnded = false
}
