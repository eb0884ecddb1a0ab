/// When a stall tick reads every thread of the target, and when a cheap check will do.
///
/// A thread gets into D state or stops only by running (it calls into the kernel, or handles
/// the stop signal), and a thread woken but kept from a CPU raises CPU pressure. So while every
/// thread sleeps (S or I) and neither the process's CPU clock nor the pressure totals move,
/// nothing a stall is made of can begin: a tick then reads only those (one clock_gettime, the
/// pressure files) and takes a full sample once a second (`quietIntervalNs`) to keep the
/// ring's timeline. The first tick at which either moves reads every thread again and so do
/// the next ones, until the process is quiet again.
///
/// While quiet the ring also ticks only once a second (`tickIntervalNs`): each tick checks and,
/// when nothing moved, is the once-a-second full sample. What begins during a quiet second is
/// seen at the next tick, so a stall that begins while the process was quiet is declared up to
/// 0.8 s later than at 5 ticks a second; once anything moves, the ring ticks at the full rate
/// again.
///
/// Other tasks on the machine wait for a CPU now and then, so the pressure totals creep up even
/// when the watched process sleeps. A pressure total counts as moved only once it grew by
/// `pressureSlackUs` since the last full sample: a member thread that waited that long for a CPU
/// raised CPU "some" by at least as much over the same time, and the slack is a quarter of the
/// smallest wait or pressure a stall is made of. So a stall starts at the tick it would with
/// every tick reading every thread, except in one corner: waits just under a threshold before a
/// quiet stretch, topped up by less than the slack during it, are seen at the next full sample
/// (at most `quietIntervalNs` later).
public struct StallPacing: Sendable, Equatable {
    /// What the cheap check reads: the process's CPU clock (every thread, ns) and the system's
    /// pressure totals.
    public struct Probe: Sendable, Equatable {
        public var cpuNs: UInt64?
        public var pressure: PressureTotals

        public init(cpuNs: UInt64?, pressure: PressureTotals) {
            self.cpuNs = cpuNs
            self.pressure = pressure
        }
    }

    /// Full samples while quiet, at most this far apart.
    public let quietIntervalNs: UInt64
    /// How much a pressure total (µs, as /proc/pressure counts) may grow since the last full
    /// sample and still count as unmoved.
    public let pressureSlackUs: UInt64
    /// The probe at the last full sample, while the process is quiet; nil when it is not.
    public private(set) var quietProbe: Probe?
    private var lastFullNs: UInt64 = 0

    public init(quietIntervalNs: UInt64 = 1_000_000_000, pressureSlackUs: UInt64 = 0) {
        self.quietIntervalNs = quietIntervalNs
        self.pressureSlackUs = pressureSlackUs
    }

    /// The pacing for a detector with these thresholds: the slack is a quarter of the smallest
    /// CPU wait (run-queue over the window, starved) or pressure (over the window) that makes a stall.
    public init(thresholds: StallThresholds, quietIntervalNs: UInt64 = 1_000_000_000) {
        let window = Double(thresholds.windowNs)
        let waits: [UInt64?] = [
            thresholds.runQueueMsPerSecond.map { UInt64(max($0, 0) / 1_000 * window) },
            thresholds.starvedNs,
            thresholds.pressurePercent.map { UInt64(max($0, 0) / 100 * window) },
        ]
        let smallest = waits.compactMap { $0 }.min() ?? 0
        self.init(quietIntervalNs: quietIntervalNs, pressureSlackUs: smallest / 4 / 1_000)
    }

    public var isQuiet: Bool { quietProbe != nil }

    /// Whether the tick at `now` should read every thread, given what the cheap check read.
    /// `early`: the tick rides along with another timer's (see `quietSampleDue`), `fastNs` the
    /// ring's own sample interval.
    public mutating func needsFullSample(at now: UInt64, probe: Probe, early: Bool = false, fastNs: UInt64 = 0) -> Bool
    {
        guard let quiet = quietProbe else { return true }
        guard probe.cpuNs == quiet.cpuNs, probe.cpuNs != nil, probe.pressure.cpu != nil,
            !pressureMoved(probe.pressure, since: quiet.pressure)
        else {
            quietProbe = nil  // something moved (or cannot be read): every thread, from now on
            return true
        }
        return quietSampleDue(at: now, early: early, fastNs: fastNs)
    }

    /// Whether the quiet ring's full sample is due at `now`: false while not quiet (every tick
    /// is full then). A tick a little early (the timer's own jitter) still counts as on time.
    /// `early`: another timer's tick (the session's sample tick) takes the ring's with it once
    /// half the quiet interval has passed. The ring's timer then starts its second again from
    /// there, so after one such tick the two tick together, whatever their phase was (or, when
    /// the sample ticks come at least once a quiet interval, it stays disarmed while they carry
    /// the quiet ring; Session.takeQuietStallTickIfDue); full samples stay at most
    /// `quietIntervalNs` apart. Never early when the ring's own sample
    /// interval (`fastNs`) is longer than the quiet interval: the ring then ticks at that slower
    /// rate, quiet or not, and its length in samples is sized for it.
    public func quietSampleDue(at now: UInt64, early: Bool = false, fastNs: UInt64 = 0) -> Bool {
        guard isQuiet, !early || fastNs <= quietIntervalNs else { return false }
        return now + (early ? quietIntervalNs / 2 : quietIntervalNs / 8) >= lastFullNs + quietIntervalNs
    }

    /// How often the ring should tick now: `fastNs` (the stall sample interval), or the quiet
    /// interval while quiet, so an idle process wakes argus-trace once a second, not five times.
    public func tickIntervalNs(fast fastNs: UInt64) -> UInt64 {
        isQuiet ? max(quietIntervalNs, fastNs) : fastNs
    }

    /// Whether any pressure total grew by the slack or more, or became readable or unreadable.
    func pressureMoved(_ now: PressureTotals, since quiet: PressureTotals) -> Bool {
        PressureResource.allCases.contains { resource in
            switch (now[resource], quiet[resource]) {
            case (nil, nil): false
            case (let now?, let then?): now < then || now - then >= max(pressureSlackUs, 1)
            default: true
            }
        }
    }

    /// After a full sample: quiet when every thread sleeps and none used a CPU or waited for
    /// one since `previous`, no stall is open, and the probe can see what would end the quiet.
    /// `alwaysFull` (e.g. a log-silence threshold, which is timed, not caused) keeps every tick full.
    public mutating func fullSampleTaken(
        _ sample: FineSample, previous: FineSample?, probe: Probe, stallOpen: Bool, alwaysFull: Bool = false
    ) {
        lastFullNs = sample.monotonicNs
        quietProbe =
            !alwaysFull && !stallOpen && probe.cpuNs != nil && probe.pressure.cpu != nil
                && Self.sleepsUnchanged(sample, since: previous) ? probe : nil
    }

    /// Every thread in S or I, each with the CPU time and run-queue wait it had in `previous`.
    static func sleepsUnchanged(_ sample: FineSample, since previous: FineSample?) -> Bool {
        guard let previous else { return false }
        var before: [Int32: ThreadSample] = [:]
        for thread in previous.threads { before[thread.tid] = thread }
        return sample.threads.allSatisfy { thread in
            guard thread.sleeps, let earlier = before[thread.tid] else { return false }
            return earlier.cpuNs == thread.cpuNs && earlier.runDelayNs == thread.runDelayNs
        }
    }
}

/// The same reasoning, member by member: a member whose threads all slept when last read, and
/// whose CPU clock has not moved since, cannot have begun a stall of its own (a thread gets into
/// D or stops only by running; one woken but kept from a CPU raises CPU pressure). A full sample
/// then takes that member's threads as last read instead of reading each thread's files again,
/// for up to `quietIntervalNs`: so a busy member keeps the ring at its full rate while the idle
/// ones beside it are read once a second, not five times. The second's limit keeps the bound
/// the quiet ring has: CPU "some" pressure is an average over the CPUs weighted by how busy
/// each was, so on a machine with many busy CPUs one thread's wait for a CPU raises it by less
/// than the wait, and the slack alone would let a starved member go unread for longer.
extension StallPacing {
    /// One member's threads as a full sample read them while every one slept, with its CPU clock
    /// and the pressure totals read before them, and when.
    public struct Resting: Sendable, Equatable {
        public let cpuNs: UInt64
        public let pressure: PressureTotals
        public let readNs: UInt64
        public let threads: [ThreadSample]

        /// nil unless there are threads, every one sleeps (S or I), and the clock and the CPU
        /// pressure could be read (without them a wait for a CPU would go unseen).
        public init?(threads: [ThreadSample], cpuNs: UInt64?, pressure: PressureTotals, readNs: UInt64) {
            guard let cpuNs, pressure.cpu != nil, !threads.isEmpty,
                threads.allSatisfy({ $0.sleeps })
            else { return nil }
            self.cpuNs = cpuNs
            self.pressure = pressure
            self.readNs = readNs
            self.threads = threads
        }
    }

    /// Whether a member still rests at `now`: read less than `quietIntervalNs` ago (a tick a
    /// little early counts as on time, as in `needsFullSample`), its clock (read now, before any
    /// of its files) the one it had, and no pressure total grown by the slack since.
    public func stillResting(_ resting: Resting, cpuNs: UInt64?, pressure: PressureTotals, at now: UInt64) -> Bool {
        now + quietIntervalNs / 8 < resting.readNs + quietIntervalNs && cpuNs == resting.cpuNs
            && pressure.cpu != nil && !pressureMoved(pressure, since: resting.pressure)
    }
}
