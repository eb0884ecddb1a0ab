import ArgusCore
import ArgusKernel

/// The stall detector as the watch runs it: samples the target's threads and the system's
/// pressure every fine tick into a ring of the last seconds, feeds the detector, and turns what
/// it says into rows (the stall, the ring's samples from before it, snapshots) and console lines.
/// Runs on the loop thread.
final class StallMonitor {
    /// A snapshot whose threads and pressure were read; its top consumers are measured by the
    /// next tick's system scan.
    private struct PendingSnapshot {
        var records: [StallSnapshotRecord]
        var activity: SystemActivity
    }

    let settings: StallSettings
    private let pid: Int32
    private let identity: (appName: String, startTicks: UInt64)
    private let console: Console
    private let threads: ThreadSampler
    private let pressure: PressureReader
    private var ring: SampleRing<FineSample>
    private var detector: StallDetector
    /// Which ticks read every thread (see StallPacing); the others read only the CPU clock and
    /// the pressure totals.
    private var pacing = StallPacing()
    private let cpuClock: ProcessCPUClock?
    private var pending: PendingSnapshot?
    /// Fine samples up to this time are in the database already.
    private var savedThroughNs: UInt64 = 0
    /// Samples saved since the current run of stalls began (full rate for one window, then one
    /// in five).
    private var savedDuringStall = 0
    private var open: [Int: (record: StallRecord, startNs: UInt64)] = [:]
    private(set) var stallCount = 0
    private var warnedSkipped = false
    private var watchesPressure: Bool { settings.thresholds.pressurePercent != nil }

    init(pid: Int32, appName: String, startTicks: UInt64, settings: StallSettings, console: Console) {
        self.pid = pid
        identity = (appName, startTicks)
        self.settings = settings
        self.console = console
        threads = ThreadSampler(pid: pid)
        cpuClock = ProcessCPUClock(pid: pid)
        pressure = PressureReader()
        ring = SampleRing(capacity: settings.ringCapacity)
        detector = StallDetector(thresholds: settings.thresholds)
        if !pressure.missing.isEmpty && settings.thresholds.pressurePercent != nil {
            console.warning(
                "no pressure stall information for \(pressure.missing.map(\.rawValue).joined(separator: ", ")) "
                    + "(/proc/pressure missing: kernel without PSI, or booted with psi=0); those stalls are not detected")
        }
        if !HostFacts.isRoot {
            console.warning("not root: stall snapshots will lack kernel stacks (/proc/PID/task/TID/stack needs root)")
        }
    }

    /// One fine tick: sample (every thread, or only the cheap check while the process is quiet),
    /// detect, and return the rows to store.
    func tick(clock: ClockMapping, processName: String, lastLogLineNs: UInt64?) -> [Record] {
        var records = completePending()
        let monotonic = Clocks.monotonicNs()
        let probe = StallPacing.Probe(cpuNs: cpuClock?.nanoseconds(), pressure: pressure.readTotals())
        guard pacing.needsFullSample(at: monotonic, probe: probe) else { return records }
        let sample = FineSample(
            monotonicNs: monotonic, time: clock.wallTime(monotonicNs: monotonic), threads: threads.sample(),
            pressure: watchesPressure ? probe.pressure : PressureTotals())
        guard !sample.threads.isEmpty else { return records }  // gone: the watch is about to end
        if threads.skipped > 0 && !warnedSkipped {
            warnedSkipped = true
            console.warning(
                "process \(pid) has more than \(threads.maxThreads) threads; stall sampling covers the first "
                    + "\(threads.maxThreads) (lowest ids)")
        }
        let windowStart = ring.lastMatching { sample.monotonicNs - $0.monotonicNs >= settings.thresholds.windowNs }
        let previous = ring.last
        ring.append(sample)
        let outputs = detector.observe(sample, windowStart: windowStart, lastLogLineNs: lastLogLineNs)
        records += handle(outputs, clock: clock, processName: processName, now: monotonic)
        if !open.isEmpty { records += saveDuring(sample) }
        pacing.fullSampleTaken(
            sample, previous: previous, probe: probe, stallOpen: !open.isEmpty || pending != nil,
            alwaysFull: lastLogLineNs != nil)
        return records
    }

    /// Ends every open stall (the process ended, or watching stopped) and completes pending
    /// snapshots.
    func finish(clock: ClockMapping, processName: String, reason: String, processAlive: Bool) -> [Record] {
        let now = Clocks.monotonicNs()
        var records = completePending()
        records += handle(
            detector.finish(monotonicNs: now, reason: reason), clock: clock, processName: processName, now: now,
            captureExit: processAlive)
        records += completePending()
        return records
    }

    private func handle(
        _ outputs: [StallDetector.Output], clock: ClockMapping, processName: String, now: UInt64,
        captureExit: Bool = true
    ) -> [Record] {
        var records: [Record] = []
        var snapshots: [(id: Int, type: StallSnapshotType)] = []
        for output in outputs {
            switch output {
            case .began(let began):
                let record = StallRecord(
                    id: began.id, kind: began.condition.kind, pid: pid, startTicks: identity.startTicks,
                    appName: identity.appName, processName: processName,
                    started: wallTime(began.monotonicNs, clock), detected: wallTime(began.detectedNs, clock),
                    tid: began.condition.tid,
                    trigger: began.condition.detail, threshold: began.condition.threshold,
                    value: began.condition.value, windowNs: settings.windowNs)
                open[began.id] = (record, began.monotonicNs)
                stallCount += 1
                console.info("Stall \(began.id) began (\(began.condition.kind.rawValue)): \(began.condition.detail)")
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

    /// Reads every thread and the pressure once for all the snapshots of this tick; the top
    /// consumers come with the next tick.
    private func capture(_ snapshots: [(id: Int, type: StallSnapshotType)], at time: WallTime) {
        let threads = ThreadSampler.capture(pid: pid)
        let pressureText = pressure.readText()
        let records = snapshots.map {
            StallSnapshotRecord(stallID: $0.id, type: $0.type, time: time, threads: threads, pressure: pressureText)
        }
        if var pending {
            pending.records += records  // the earlier scan still measures the moment well enough
            self.pending = pending
        } else {
            pending = PendingSnapshot(records: records, activity: SystemScan.activity())
        }
    }

    private func completePending() -> [Record] {
        guard let pending else { return [] }
        self.pending = nil
        let now = SystemScan.activity()
        var top = now.top(since: pending.activity, count: 6, ticksPerSecond: ProcessReader.ticksPerSecond)
        let me = ProcessControl.currentPID
        top = (Array(top.cpu.filter { $0.pid != me }.prefix(5)), Array(top.io.filter { $0.pid != me }.prefix(5)))
        return pending.records.map { record in
            var record = record
            record.topCPU = top.cpu
            record.topIO = top.io
            return .stallSnapshot(record)
        }
    }

    /// The ring's samples from the window before a stall, not saved yet.
    private func saveBefore(_ startNs: UInt64) -> [Record] {
        let earliest = startNs > settings.windowNs ? startNs - settings.windowNs : 0
        let samples = ring.filter { $0.monotonicNs > savedThroughNs && $0.monotonicNs >= earliest }
        guard let last = samples.last else { return [] }
        savedThroughNs = last.monotonicNs
        return [.fineSamples(FineSampleRecord(pid: pid, samples: samples))]
    }

    /// Samples while a stall lasts: all of them for one window's worth, then one in five.
    private func saveDuring(_ sample: FineSample) -> [Record] {
        guard sample.monotonicNs > savedThroughNs else { return [] }
        savedDuringStall += 1
        guard savedDuringStall <= settings.ringCapacity || savedDuringStall % 5 == 0 else { return [] }
        savedThroughNs = sample.monotonicNs
        return [.fineSamples(FineSampleRecord(pid: pid, samples: [sample]))]
    }
}
