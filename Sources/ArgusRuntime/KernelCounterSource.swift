import ArgusCore
import ArgusKernel

/// The BPF counters as the event loops use them: started once (or said, in one line, why
/// not), per-sample deltas for each watched process, and the exits the kernel probe saw.
final class KernelCounterSource {
    private let counters: BPFCounters
    private var previous: [Int32: BPFCounterValues] = [:]
    /// The last exit the probe saw for each process (bounded by the processes watched).
    private(set) var exits: [Int32: BPFExit] = [:]
    /// The last exec the probe saw for each process.
    private(set) var execs: [Int32: BPFExec] = [:]

    /// What each program counts, for saying what is off.
    private static let counts = [
        "on_switch": "context switches, on-CPU time, run-queue delay",
        "on_wakeup": "run-queue delay after wake-ups",
        "on_wakeup_new": "run-queue delay of new tasks",
        "on_fault": "page faults",
        "on_exit": "the exit cross-check",
        "on_fork": "following new children in the kernel",
        "on_exec": "names of programs that end before /proc can be read",
    ]

    private init(_ counters: BPFCounters) { self.counters = counters }

    /// The counters, or nil after saying why they are off.
    static func start(enabled: Bool, followForks: Bool, console: Console) -> KernelCounterSource? {
        guard enabled else {
            console.detail("BPF counters off (--no-bpf)")
            return nil
        }
        do {
            let counters = try BPFCounters(followForks: followForks)
            for (program, error) in counters.detached.sorted(by: { $0.key < $1.key }) {
                console.warning("BPF program \(program) did not attach (\(error)): no \(counts[program] ?? program)")
            }
            console.detail("BPF counters on")
            return KernelCounterSource(counters)
        } catch {
            console.warning(
                "BPF counters off (context switches, run-queue delay, on-CPU time, page faults): \(error); "
                    + "/proc sampling goes on")
            return nil
        }
    }

    var exitDescriptor: Int32? { counters.exitDescriptor }

    func watch(_ pid: Int32) {
        counters.watch(pid)
        previous[pid] = counters.counters(of: pid) ?? BPFCounterValues()
    }

    /// A new child of a watched process: the kernel's fork hook already watches it and its
    /// counters began at zero, so this costs no syscall (unless that hook did not attach).
    func followNewChild(_ pid: Int32) {
        if followsForksInKernel {
            previous[pid] = BPFCounterValues()
        } else {
            watch(pid)
        }
    }

    private var followsForksInKernel: Bool { counters.detached["on_fork"] == nil }

    /// While argus-trace starts the command, it watches itself so that the kernel follows the
    /// fork into the command (the command's own first children then follow from it).
    func watchSelfForks() { counters.watch(ProcessControl.currentPID) }

    func stopWatchingSelf() { counters.unwatch(ProcessControl.currentPID) }

    func forget(_ pid: Int32) {
        counters.unwatch(pid)
        previous[pid] = nil
        execs[pid] = nil
    }

    /// What the counters saw of `pid` since the previous call.
    func deltas(for pid: Int32) -> KernelCounterDeltas? {
        guard let before = previous[pid] else { return nil }
        let now = counters.counters(of: pid) ?? before
        previous[pid] = now
        func minus(_ a: UInt64, _ b: UInt64) -> UInt64 { a >= b ? a - b : 0 }
        return KernelCounterDeltas(
            oncpuNs: minus(now.oncpuNs, before.oncpuNs), runqDelayNs: minus(now.runqDelayNs, before.runqDelayNs),
            runqDelayMaxNs: now.runqDelayMaxNs,
            switchesVoluntary: minus(now.switchesVoluntary, before.switchesVoluntary),
            switchesInvoluntary: minus(now.switchesInvoluntary, before.switchesInvoluntary),
            faultsUser: minus(now.faultsUser, before.faultsUser),
            runqHistogram: zip(now.runqHistogram, before.runqHistogram).map(minus))
    }

    /// Reads the ring buffers: exits and execs.
    func collect() {
        let fresh = counters.drain()
        for exit in fresh.exits { exits[exit.tgid] = exit }
        for exec in fresh.execs { execs[exec.tgid] = exec }
    }

    var lostExits: UInt64 { counters.lostExits }

    /// Ring-buffer reserve failures of the exit and exec probes together.
    var lostEvents: UInt64 { counters.lostExits + counters.lostExecs }

    static func describe(_ deltas: KernelCounterDeltas) -> String {
        func ms(_ ns: UInt64) -> String { Format.decimal(Double(ns) / 1e6) }
        return "  kernel: runq delay=\(ms(deltas.runqDelayNs))ms (max \(ms(deltas.runqDelayMaxNs))ms) "
            + "on-CPU=\(ms(deltas.oncpuNs))ms switches=\(deltas.switchesVoluntary)/\(deltas.switchesInvoluntary) "
            + "faults=\(deltas.faultsUser)"
    }
}
