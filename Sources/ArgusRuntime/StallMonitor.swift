import ArgusCore
import ArgusKernel

/// The stall detector as a session runs it, over every member of its scope (one process, a
/// tree, a cgroup): samples the members' threads and the system's pressure every fine tick into
/// a ring of the last seconds, feeds the detector, and turns what it says into rows (the stall,
/// the ring's samples from before it, snapshots) and console lines. Runs on the loop thread;
/// snapshot captures and the machine-wide scans for top consumers run on a worker thread, and
/// their rows are handed to `deliver` when they are done.
final class StallMonitor {
    /// One member whose threads are sampled.
    private struct Member {
        let startTicks: UInt64
        var name: String
        let threads: ThreadSampler
        let cpuClock: ProcessCPUClock?
        /// Its threads as last read while all slept (StallPacing.Resting): taken again, unread,
        /// while its clock and the pressure stay put.
        var resting: StallPacing.Resting?
    }

    /// The most threads sampled across all members at a tick; beyond it the lowest pids' come first.
    static let maxThreads = 1_024

    let settings: StallSettings
    private var rootPid: Int32
    private let appName: String
    private let console: Console
    private let background: BackgroundWork
    private let deliver: ([Record]) -> Void
    private var members: [Int32: Member] = [:]
    /// The process of each thread seen in the last full sample.
    private var owner: [Int32: Int32] = [:]
    /// Each member's CPU clock as this tick read it (kept, so a tick allocates nothing for it).
    private var clocks: [Int32: UInt64] = [:]
    /// Each single-threaded member's state as the sample tick this tick rides on read it (kept
    /// as `clocks` is; empty at the ring's own ticks).
    private var sampledStates: [Int32: Character] = [:]
    private let pressure: PressureReader
    private var ring: SampleRing<FineSample>
    private var detector: StallDetector
    /// Which ticks read every thread (see StallPacing); the others read only the CPU clocks and
    /// the pressure totals.
    private var pacing: StallPacing
    /// Snapshot captures running on the worker.
    private var capturing = 0
    /// Fine samples up to this time are in the database already.
    private var savedThroughNs: UInt64 = 0
    /// Samples saved since the current run of stalls began (full rate for one window, then one
    /// in five).
    private var savedDuringStall = 0
    private var open: [Int: (record: StallRecord, startNs: UInt64)] = [:]
    private(set) var stallCount = 0
    private var warnedSkipped = false
    private var watchesPressure: Bool { settings.thresholds.pressurePercent != nil }

    init(
        root pid: Int32, appName: String, startTicks: UInt64, name: String, settings: StallSettings, console: Console,
        background: BackgroundWork, deliver: @escaping ([Record]) -> Void
    ) {
        rootPid = pid
        self.appName = appName
        self.settings = settings
        self.console = console
        self.background = background
        self.deliver = deliver
        pressure = PressureReader()
        ring = SampleRing(capacity: settings.ringCapacity)
        detector = StallDetector(thresholds: settings.thresholds)
        pacing = StallPacing(thresholds: settings.thresholds)
        add(pid, startTicks: startTicks, name: name)
        if !pressure.missing.isEmpty && settings.thresholds.pressurePercent != nil {
            console.warning(
                "no pressure stall information for \(pressure.missing.map(\.rawValue).joined(separator: ", ")) "
                    + "(/proc/pressure missing: kernel without PSI, or booted with psi=0); those stalls are not detected"
            )
        }
        if !HostFacts.isRoot {
            console.warning("not root: stall snapshots will lack kernel stacks (/proc/PID/task/TID/stack needs root)")
        }
    }

    /// Starts sampling a member's threads.
    func add(_ pid: Int32, startTicks: UInt64, name: String) {
        guard members[pid] == nil else { return }
        members[pid] = Member(
            startTicks: startTicks, name: name, threads: ThreadSampler(pid: pid), cpuClock: ProcessCPUClock(pid: pid))
    }

    /// The process system-wide stalls name, for a new incarnation of the service.
    func setRoot(_ pid: Int32, startTicks: UInt64, name: String) {
        rootPid = pid
        add(pid, startTicks: startTicks, name: name)
    }

    /// Stops sampling a member (it ended or left).
    func remove(_ pid: Int32) {
        members[pid] = nil
    }

    func contains(_ pid: Int32) -> Bool { members[pid] != nil }

    /// How often the ring should tick now: the stall sample interval, or once a second while
    /// every member is quiet (StallPacing).
    var tickIntervalNs: UInt64 { pacing.tickIntervalNs(fast: settings.sampleIntervalNs) }

    /// Whether the quiet ring's once-a-second full sample may be taken now by a tick that wakes
    /// the loop anyway (StallPacing.quietSampleDue, early).
    func quietSampleDue(at now: UInt64) -> Bool {
        pacing.quietSampleDue(at: now, early: true, fastNs: settings.sampleIntervalNs)
    }

    /// Whether the ring is quiet now (StallPacing): every member asleep and unmoved.
    var isQuiet: Bool { pacing.isQuiet }

    /// Whether sample ticks this far apart can carry the quiet ring without its own timer: the
    /// ring is quiet, and they come often enough to take its full sample at least once a quiet
    /// interval (each takes it once half that interval has passed; StallPacing.quietSampleDue),
    /// which they do only while the ring's own interval is no longer than the quiet one.
    func quietRingCarried(bySampleTicksEvery sampleIntervalNs: UInt64) -> Bool {
        pacing.isQuiet && sampleIntervalNs <= pacing.quietIntervalNs
            && settings.sampleIntervalNs <= pacing.quietIntervalNs
    }

    /// The members' pids, for the session to keep in step with its table.
    var memberPids: [Int32] { Array(members.keys) }

    /// One fine tick: sample (every thread, or only the cheap check while the process is quiet),
    /// detect, and return the rows to store.
    /// `sampled`: the rows of the sample tick just before this one (a tick that rides on it):
    /// their CPU times are the members' clocks, not read again, and a single-threaded member's
    /// state in them spares reading its files again while it rests.
    func tick(
        clock: ClockMapping, lastLogLineNs: UInt64?, early: Bool = false, sampled rows: [MetricRecord] = []
    ) -> [Record] {
        var records: [Record] = []
        let monotonic = Clocks.monotonicNs()
        sampledStates.removeAll(keepingCapacity: true)
        clocks.removeAll(keepingCapacity: true)
        for row in rows where row.cpuFromClock && members[row.pid]?.cpuClock != nil {
            // The sample tick read the same clock (ProcessFiles) a moment ago: not again.
            clocks[row.pid] = row.cpuTimeNs
            if row.threadCount == 1, let state = row.state.first { sampledStates[row.pid] = state }
        }
        for (pid, member) in members where clocks[pid] == nil { clocks[pid] = member.cpuClock?.nanoseconds() }
        let cpu = clocks.values.reduce(UInt64(0), &+)
        let probe = StallPacing.Probe(cpuNs: cpu, pressure: pressure.readTotals())
        guard pacing.needsFullSample(at: monotonic, probe: probe, early: early, fastNs: settings.sampleIntervalNs)
        else { return records }
        let sample = FineSample(
            monotonicNs: monotonic, time: clock.wallTime(monotonicNs: monotonic),
            threads: sampleThreads(pressure: probe.pressure, at: monotonic),
            pressure: watchesPressure ? probe.pressure : PressureTotals())
        guard !sample.threads.isEmpty else { return records }  // all gone: the session is about to end
        let windowStart = ring.lastMatching { sample.monotonicNs - $0.monotonicNs >= settings.thresholds.windowNs }
        let previous = ring.last
        ring.append(sample)
        let outputs = detector.observe(sample, windowStart: windowStart, lastLogLineNs: lastLogLineNs)
        records += handle(outputs, clock: clock, now: monotonic)
        if !open.isEmpty { records += saveDuring(sample) }
        pacing.fullSampleTaken(
            sample, previous: previous, probe: probe, stallOpen: !open.isEmpty || capturing > 0,
            alwaysFull: lastLogLineNs != nil)
        return records
    }

    /// Every member's threads, lowest pid first, up to `maxThreads` in all: read from their
    /// files, or, for a member that still rests since its last read less than a second ago (its
    /// CPU clock, read at this tick's start, and the pressure unmoved), taken as last read.
    private func sampleThreads(pressure: PressureTotals, at now: UInt64) -> [ThreadSample] {
        var threads: [ThreadSample] = []
        var skipped = 0
        owner.removeAll(keepingCapacity: true)
        for pid in members.keys.sorted() {
            guard var member = members[pid] else { continue }
            let room = max(Self.maxThreads - threads.count, 0)
            guard room > 0 else {
                skipped += 1  // not even read: its files stay closed
                continue
            }
            let sampled: [ThreadSample]
            if let resting = member.resting,
                pacing.stillResting(resting, cpuNs: clocks[pid], pressure: pressure, at: now)
            {
                sampled = resting.threads
            } else {
                let restated = member.resting.flatMap { resting in
                    sampledStates[pid].flatMap { Self.restate(resting, of: pid, as: $0, cpuNs: clocks[pid]) }
                }
                sampled = restated ?? member.threads.sample()
                member.resting = StallPacing.Resting(
                    threads: sampled, cpuNs: clocks[pid], pressure: pressure, readNs: now)
                members[pid] = member
            }
            skipped += member.threads.skipped
            skipped += max(sampled.count - room, 0)
            for thread in sampled.prefix(room) {
                owner[thread.tid] = pid
                threads.append(thread)
            }
        }
        if skipped > 0 && !warnedSkipped {
            warnedSkipped = true
            console.warning(
                "stall sampling covers at most \(Self.maxThreads) threads (256 per process); \(skipped) more are not "
                    + "sampled (lowest process ids first)")
        }
        return threads
    }

    /// A single-threaded member at rest whose CPU clock has not moved since its thread was read:
    /// that thread has not run, so its times, faults and wait are as read then, and only its
    /// state can have changed (woken, it is runnable before it runs), which `state` gives: its
    /// /proc/PID/stat as the sample tick read it, a moment before this tick's clock read (a wake
    /// in between shows at the next tick). Its CPU is as last read (it moves only when woken).
    /// nil when the member has other threads or its clock moved: its files are read then.
    static func restate(
        _ resting: StallPacing.Resting, of pid: Int32, as state: Character, cpuNs: UInt64?
    ) -> [ThreadSample]? {
        guard resting.threads.count == 1, var thread = resting.threads.first, thread.tid == pid,
            let cpuNs, cpuNs == resting.cpuNs
        else { return nil }
        thread.state = state
        if state != "S" && state != "I" && state != "D" { thread.wchan = nil }
        return [thread]
    }

    /// Ends every open stall (the process ended, or watching stopped); the exit snapshots are
    /// captured on the worker and delivered when done.
    func finish(clock: ClockMapping, reason: String, processAlive: Bool) -> [Record] {
        let now = Clocks.monotonicNs()
        return handle(
            detector.finish(monotonicNs: now, reason: reason), clock: clock, now: now, captureExit: processAlive)
    }

    private func handle(
        _ outputs: [StallDetector.Output], clock: ClockMapping, now: UInt64, captureExit: Bool = true
    ) -> [Record] {
        var records: [Record] = []
        var snapshots: [(id: Int, type: StallSnapshotType)] = []
        for output in outputs {
            switch output {
            case .began(let began):
                // A thread's stall names its process; a system-wide one names the root.
                let pid = began.condition.tid.flatMap { owner[$0] } ?? rootPid
                let member = members[pid] ?? members[rootPid]
                let record = StallRecord(
                    id: began.id, kind: began.condition.kind, pid: pid, startTicks: member?.startTicks ?? 0,
                    appName: appName, processName: member?.name ?? "?",
                    started: wallTime(began.monotonicNs, clock), detected: wallTime(began.detectedNs, clock),
                    tid: began.condition.tid,
                    trigger: began.condition.detail, threshold: began.condition.threshold,
                    value: began.condition.value, windowNs: settings.windowNs)
                open[began.id] = (record, began.monotonicNs)
                stallCount += 1
                console.info(
                    "Stall \(began.id) began (\(began.condition.kind.rawValue)): \(began.condition.detail)"
                        + (pid == rootPid ? "" : " in process \(pid) (\(member?.name ?? "?"))"))
                records.append(.stall(record))
                records += saveBefore(began.monotonicNs)
            case .capture(let id, _, let type):
                snapshots.append((id, type))
            case .ended(let ended):
                guard let stall = open.removeValue(forKey: ended.id) else { continue }
                let durationNs = ended.monotonicNs - stall.startNs
                console.info(
                    "Stall \(ended.id) ended (\(ended.kind.rawValue)) after \(Format.seconds( durationNs)) s: "
                        + ended.reason)
                if captureExit { snapshots.append((ended.id, .exit)) }
                records.append(
                    .stallEnd(
                        StallEndRecord(
                            id: ended.id, ended: wallTime(ended.monotonicNs, clock), durationNs: durationNs,
                            reason: ended.reason, peakValue: ended.peakValue,
                            peakAt: wallTime(ended.peakMonotonicNs, clock), checkpoints: ended.checkpoints)))
                if open.isEmpty { savedDuringStall = 0 }
            }
        }
        if !snapshots.isEmpty { capture(snapshots, at: clock.wallTime(monotonicNs: now)) }
        return records
    }

    /// The wall time a sample was stamped with, so that a stall's times and its samples' compare
    /// exactly (the clock mapping is refreshed between samples).
    private func wallTime(_ monotonicNs: UInt64, _ clock: ClockMapping) -> WallTime {
        ring.lastMatching { $0.monotonicNs <= monotonicNs }.flatMap { $0.monotonicNs == monotonicNs ? $0.time : nil }
            ?? clock.wallTime(monotonicNs: monotonicNs)
    }

    /// Captures every member's threads and the pressure for the snapshots of this tick, then
    /// the machine's top consumers over the next 200 ms, on a worker thread; the rows are
    /// delivered when done.
    private func capture(_ snapshots: [(id: Int, type: StallSnapshotType)], at time: WallTime) {
        let pids = members.keys.sorted()
        capturing += 1
        background.run(
            {
                let threads = pids.flatMap { ThreadSampler.capture(pid: $0) }
                let pressure = PressureReader().readText()
                let before = SystemScan.activity()
                Clocks.sleep(ns: 200_000_000)
                let top = SystemScan.activity().top(
                    since: before, count: 6, ticksPerSecond: ProcessReader.ticksPerSecond)
                return snapshots.map { snapshot -> Record in
                    var record = StallSnapshotRecord(
                        stallID: snapshot.id, type: snapshot.type, time: time, threads: threads, pressure: pressure)
                    let me = ProcessControl.currentPID
                    record.topCPU = Array(top.cpu.filter { $0.pid != me }.prefix(5))
                    record.topIO = Array(top.io.filter { $0.pid != me }.prefix(5))
                    return .stallSnapshot(record)
                }
            },
            then: { [self] records in
                capturing -= 1
                deliver(records)
            })
    }

    /// The ring's samples from the window before a stall, not saved yet.
    private func saveBefore(_ startNs: UInt64) -> [Record] {
        let earliest = startNs > settings.windowNs ? startNs - settings.windowNs : 0
        let samples = ring.filter { $0.monotonicNs > savedThroughNs && $0.monotonicNs >= earliest }
        guard let last = samples.last else { return [] }
        savedThroughNs = last.monotonicNs
        return byProcess(samples)
    }

    /// Samples while a stall lasts: all of them for one window's worth, then one in five.
    private func saveDuring(_ sample: FineSample) -> [Record] {
        guard sample.monotonicNs > savedThroughNs else { return [] }
        savedDuringStall += 1
        guard savedDuringStall <= settings.ringCapacity || savedDuringStall % 5 == 0 else { return [] }
        savedThroughNs = sample.monotonicNs
        return byProcess([sample])
    }

    /// Fine samples as rows, one record per process, each with its own threads.
    private func byProcess(_ samples: [FineSample]) -> [Record] {
        var pids = Set<Int32>()
        for sample in samples { for thread in sample.threads { pids.insert(owner[thread.tid] ?? rootPid) } }
        return pids.sorted().map { pid in
            let own = samples.map { sample in
                var sample = sample
                sample.threads = sample.threads.filter { (owner[$0.tid] ?? rootPid) == pid }
                return sample
            }.filter { !$0.threads.isEmpty }
            return .fineSamples(FineSampleRecord(pid: pid, samples: own))
        }
    }
}
