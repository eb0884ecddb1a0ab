import ArgusCore
import ArgusKernel

/// The kernel counters as the event loops use them: per-sample deltas for each watched process
/// (the counters the kernel keeps anyway, read from /proc; with --runq-histogram, each wait for
/// a CPU counted by a sched_switch probe), and the exits and execs the BPF probes saw. Started
/// once, or said in one line why not.
final class KernelCounterSource {
    private let counters: BPFCounters
    private let countsRunQueue: Bool
    private var readers: [Int32: ProcessCounterReader] = [:]
    private var previous: [Int32: ProcessCounterReading] = [:]
    private var runQueue = RunQueueSlots()
    /// The last exit the probe saw for each process (bounded by the processes watched).
    private(set) var exits: [Int32: BPFExit] = [:]
    /// The last exec the probe saw for each process.
    private(set) var execs: [Int32: BPFExec] = [:]
    private let console: Console
    private var warnedMapFailure = false

    /// What each program gives, for saying what is off.
    private static let gives = [
        "on_switch": "run-queue delay histogram and longest wait",
        "on_exit": "the exit cross-check",
        "on_fork": "following new children in the kernel",
        "on_exec": "names of programs that end before /proc can be read",
    ]

    private init(_ counters: BPFCounters, countsRunQueue: Bool, console: Console) {
        self.counters = counters
        namesExecs = counters.attached.contains("on_exec")
        self.countsRunQueue = countsRunQueue
        self.console = console
    }

    /// The counters, or nil after saying why they are off. `runQueueHistogram` loads the
    /// per-switch probe (--runq-histogram).
    static func start(enabled: Bool, followForks: Bool, runQueueHistogram: Bool = false, console: Console)
        -> KernelCounterSource?
    {
        guard enabled else {
            console.detail("BPF counters off (--no-bpf)")
            return nil
        }
        do {
            let counters = try BPFCounters(followForks: followForks, runQueueHistogram: runQueueHistogram)
            for (program, error) in counters.detached.sorted(by: { $0.key < $1.key }) {
                console.warning("BPF program \(program) did not attach (\(error)): no \(gives[program] ?? program)")
            }
            let countsRunQueue = counters.attached.contains("on_switch")
            console.detail(
                "BPF counters on"
                    + (countsRunQueue ? " (run-queue histogram)" : " (run-queue histogram off: --runq-histogram)")
                    + (counters.usedMinimalBTF ? "" : "; kernel types read from /sys/kernel/btf/vmlinux"))
            return KernelCounterSource(counters, countsRunQueue: countsRunQueue, console: console)
        } catch {
            console.warning(
                "BPF counters off (context switches, run-queue delay, on-CPU time, page faults; "
                    + "--runq-histogram): \(error); /proc sampling goes on")
            return nil
        }
    }

    var exitDescriptor: Int32? { counters.exitDescriptor }

    /// The exec probe runs: an exec's program name and arguments are read in the exec itself.
    let namesExecs: Bool

    func watch(_ pid: Int32) {
        watchInKernel(pid)
        let reader = ProcessCounterReader(pid: pid)
        readers[pid] = reader
        previous[pid] = reader.read()
    }

    /// Adds `pid` to the probes' watched map, with a run-queue slot when those are counted.
    private func watchInKernel(_ pid: Int32) {
        var slot: UInt32 = 0
        if countsRunQueue, let free = runQueue.take(pid) {
            if mapCall("resetting a run-queue slot", { () throws(Errno) in try counters.resetRunQueueSlot(free) }) {
                slot = free
            } else {
                runQueue.give(back: pid)
            }
        }
        _ = mapCall("watching \(pid)", { () throws(Errno) in try counters.watch(pid, runQueueSlot: slot) })
    }

    /// A new child of a watched process: the kernel's fork hook already watches it, and its
    /// counters began at zero, so this costs no syscall (unless that hook did not attach, or
    /// the child needs a run-queue slot); /proc is read only if it lives to be sampled.
    func followNewChild(_ pid: Int32) {
        if !followsForksInKernel || countsRunQueue {
            watchInKernel(pid)
        }
        previous[pid] = ProcessCounterReading(cpuNs: 0, faults: 0, threads: [:])
    }

    private var followsForksInKernel: Bool { counters.attached.contains("on_fork") }

    /// While argus-trace starts the command, it watches itself so that the kernel follows the
    /// fork into the command (the command's own first children then follow from it).
    func watchSelfForks() {
        _ = mapCall(
            "watching argus-trace's own forks", { () throws(Errno) in try counters.watch(ProcessControl.currentPID) })
    }

    func stopWatchingSelf() {
        _ = mapCall("unwatching argus-trace", { () throws(Errno) in try counters.unwatch(ProcessControl.currentPID) })
    }

    /// Beyond this many exits or execs kept, those of processes no longer watched are dropped.
    static let keptEntries = 4_096

    func forget(_ pid: Int32) {
        _ = mapCall("unwatching \(pid)", { () throws(Errno) in try counters.unwatch(pid) })
        runQueue.give(back: pid)
        readers[pid] = nil
        previous[pid] = nil
        execs[pid] = nil
        exits[pid] = nil
    }

    /// Whether `deltas(for:)` reads the threads of `pid` at each sample: then the sampler leaves
    /// a process's switch sums to it instead of reading every thread's status a second time.
    func readsThreads(of pid: Int32) -> Bool { previous[pid] != nil }

    /// What the kernel counted of `pid` since the previous call. `sample` is the sampler's row
    /// of the same moment: its CPU time, faults and thread count are not read again, and the
    /// switch sums it left nil (several threads) are filled from the threads read here.
    func deltas(for pid: Int32, sample: inout MetricRecord) -> KernelCounterDeltas? {
        guard let before = previous[pid] else { return nil }
        if readers[pid] == nil { readers[pid] = ProcessCounterReader(pid: pid) }
        let switches = sample.voluntarySwitches.flatMap { voluntary in
            sample.involuntarySwitches.map { (voluntary: voluntary, involuntary: $0) }
        }
        let group = ProcessCounterReader.Group(
            cpuNs: sample.cpuTimeNs, cpuFromClock: sample.cpuFromClock, faults: sample.minorFaults + sample.majorFaults,
            threads: sample.threadCount,
            soleThreadSwitches: switches)
        guard let now = readers[pid]?.read(group: group) else { return nil }
        previous[pid] = now
        if sample.voluntarySwitches == nil || sample.involuntarySwitches == nil {
            // No thread read here (the process ended meanwhile): by path, as the sampler would.
            let totals =
                now.threads.isEmpty
                ? ProcessReader.contextSwitches(pid) : ThreadCounterReading.switchTotals(now.threads.values)
            sample.voluntarySwitches = totals?.voluntary
            sample.involuntarySwitches = totals?.involuntary
        }
        let change = now.change(since: before)
        var deltas = KernelCounterDeltas(
            oncpuNs: change.cpuNs, runqDelayNs: change.runDelayNs, runqDelayMaxNs: nil,
            switchesVoluntary: change.voluntarySwitches, switchesInvoluntary: change.involuntarySwitches,
            faultsUser: change.faults, runqHistogram: nil)
        if let slot = runQueue.slot(of: pid), let waits = runQueueWaits(slot) {
            let earlier = runQueue.seen(slot, now: waits)
            func minus(_ a: UInt64, _ b: UInt64) -> UInt64 { a >= b ? a - b : 0 }
            deltas.runqDelayNs = minus(waits.delayNs, earlier.delayNs)
            deltas.runqDelayMaxNs = waits.delayMaxNs
            deltas.runqHistogram = zip(waits.histogram, earlier.histogram).map(minus)
        }
        return deltas
    }

    private func runQueueWaits(_ slot: UInt32) -> BPFRunQueueWaits? {
        var waits: BPFRunQueueWaits?
        _ = mapCall("reading run-queue waits", { () throws(Errno) in waits = try counters.runQueueWaits(slot: slot) })
        return waits
    }

    /// Runs one BPF map call; says once if one fails (the counters it feeds stay partial).
    private func mapCall(_ what: String, _ call: () throws(Errno) -> Void) -> Bool {
        do {
            try call()
            return true
        } catch {
            if !warnedMapFailure {
                warnedMapFailure = true
                console.warning("BPF map call failed (\(what): \(error)); kernel counters may be incomplete")
            }
            return false
        }
    }

    /// Reads the ring buffers: exits and execs.
    func collect() {
        let fresh = counters.drain()
        for exit in fresh.exits { exits[exit.tgid] = exit }
        // Entries nobody will read (a pid forgotten before its ring entry came, or never
        // watched here) go: in a run of a million processes this map stays small.
        if exits.count > Self.keptEntries { exits = exits.filter { readers[$0.key] != nil || previous[$0.key] != nil } }
        if execs.count > Self.keptEntries { execs = execs.filter { readers[$0.key] != nil || previous[$0.key] != nil } }
        for exec in fresh.execs { execs[exec.tgid] = exec }
    }

    var lostExits: UInt64 { counters.lostExits }

    /// Ring-buffer reserve failures of the exit and exec probes together.
    var lostEvents: UInt64 { counters.lostExits + counters.lostExecs }

    static func describe(_ deltas: KernelCounterDeltas) -> String {
        func ms(_ ns: UInt64) -> String { Format.decimal(Double(ns) / 1e6) }
        return "  kernel: runq delay=\(ms(deltas.runqDelayNs))ms"
            + (deltas.runqDelayMaxNs.map { " (max \(ms($0))ms)" } ?? "")
            + " on-CPU=\(ms(deltas.oncpuNs))ms switches=\(deltas.switchesVoluntary)/\(deltas.switchesInvoluntary) "
            + "faults=\(deltas.faultsUser)"
    }
}

/// Which watched process counts its run-queue waits in which slot of the probe's per-CPU
/// array, and what each slot held at the previous sample.
struct RunQueueSlots {
    private var free = Array((1..<BPFCounters.runQueueSlotCount).reversed())
    private var slots: [Int32: UInt32] = [:]
    private var last: [UInt32: BPFRunQueueWaits] = [:]

    /// A zeroed slot for `pid`, or nil when every slot is taken (that process gets no histogram).
    mutating func take(_ pid: Int32) -> UInt32? {
        if let slot = slots[pid] { return slot }
        guard let slot = free.popLast() else { return nil }
        slots[pid] = slot
        last[slot] = BPFRunQueueWaits()
        return slot
    }

    mutating func give(back pid: Int32) {
        guard let slot = slots.removeValue(forKey: pid) else { return }
        last[slot] = nil
        free.append(slot)
    }

    func slot(of pid: Int32) -> UInt32? { slots[pid] }

    /// The slot's previous reading, replaced by `now`.
    mutating func seen(_ slot: UInt32, now: BPFRunQueueWaits) -> BPFRunQueueWaits {
        defer { last[slot] = now }
        return last[slot] ?? BPFRunQueueWaits()
    }
}
