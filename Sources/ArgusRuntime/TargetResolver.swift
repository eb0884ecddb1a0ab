import ArgusCore
import ArgusKernel
import Glibc

/// The process argus-trace decided to watch.
struct ResolvedTarget {
    var pid: Int32
    var startTicks: UInt64
    var comm: String
    /// Set when --wait saw it start: the kernel's stamp of its exec.
    var execMonotonicNs: UInt64?
}

enum Resolution {
    case found(ResolvedTarget)
    case failed(String)
    case stopped(signal: Int32)
}

/// Finds the target of `--pid` or `--process`, waiting for it with `--wait`.
struct TargetResolver {
    let console: Console

    func byPID(_ pid: Int32) -> Resolution {
        guard let stat = ProcessReader.stat(pid) else { return .failed("no process with PID \(pid)") }
        if !ProcessReader.isAlive(pid, stat: stat) { return .failed("process \(pid) has already exited (zombie)") }
        if stat.isKernelThread { return .failed("PID \(pid) is a kernel thread, not a process that can be watched") }
        return .found(ResolvedTarget(pid: pid, startTicks: stat.startTicks, comm: stat.comm))
    }

    /// The newest process matching `name`. Says how many matched and which one it chose.
    func byName(_ name: String) -> ResolvedTarget? {
        let matches = ProcessMatch.matching(name, in: ProcessReader.candidates(excluding: [getpid()]))
        guard let newest = matches.first else { return nil }
        if matches.count > 1 {
            let others = matches.dropFirst().prefix(5).map { String($0.pid) }.joined(separator: ", ")
            console.info("\(matches.count) processes match '\(name)'; watching the newest, PID \(newest.pid) "
                + "(others: \(others)\(matches.count > 6 ? ", ..." : ""))")
        } else {
            console.info("1 process matches '\(name)': PID \(newest.pid)")
        }
        return ResolvedTarget(pid: newest.pid, startTicks: newest.startTicks, comm: newest.comm)
    }

    /// Waits on the proc connector for the first exec of a process matching `name`.
    func waitForExec(of name: String, connector: ProcConnector, signals: SignalChannel) -> Resolution {
        console.info("Waiting for a process named '\(name)' to start...")
        do {
            let epoll = try Epoll()
            try epoll.watchReadable(connector.descriptor, token: 1)
            try epoll.watchReadable(signals.descriptor.rawValue, token: 2)
            // A process that started between the first scan and the subscription is found here.
            if let early = byName(name) { return .found(early) }
            while true {
                for token in try epoll.wait(timeoutMs: -1) {
                    if token == 2, let signal = signals.pending().first { return .stopped(signal: signal) }
                    guard token == 1 else { continue }
                    var found: ResolvedTarget?
                    try connector.drain { event in
                        guard found == nil, case .exec(_, let tgid) = event.kind,
                            let candidate = ProcessReader.candidate(tgid), candidate.matches(name)
                        else { return }
                        found = ResolvedTarget(
                            pid: tgid, startTicks: candidate.startTicks, comm: candidate.comm,
                            execMonotonicNs: event.monotonicNs)
                    }
                    if let found {
                        console.info("Process '\(name)' started: PID \(found.pid)")
                        return .found(found)
                    }
                }
            }
        } catch {
            return .failed("waiting for '\(name)': \(error)")
        }
    }
}
