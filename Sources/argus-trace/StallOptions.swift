import ArgumentParser
import ArgusCore
import ArgusRuntime

/// When a watch declares the target stalled, and how much it keeps from before.
struct StallOptions: ParsableArguments {
    @Flag(name: .long, help: "Do not sample threads for stalls (no ring buffer, no stall detection).")
    var noStalls = false

    @Option(
        name: .long, help: ArgumentHelp("Seconds between thread samples for stall detection.", valueName: "seconds"))
    var stallSample: Double = 0.2

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds of thread samples kept in memory and saved when a stall begins.", valueName: "seconds"))
    var stallWindow: Double = 30

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Stall when a thread is in D state (uninterruptible) this long; 0 = off.", valueName: "seconds"))
    var stallDState: Double = 1

    @Option(name: .long, help: ArgumentHelp("Stall when a thread is stopped this long; 0 = off.", valueName: "seconds"))
    var stallStopped: Double = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Stall when a thread is runnable this long without getting any CPU; 0 = off.", valueName: "seconds"))
    var stallStarved: Double = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Stall when a thread waits for a CPU this many ms per second (run-queue delay); 0 = off.", valueName: "ms"))
    var stallRunqueue: Double = 250

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Stall when the system's cpu, memory or io pressure (PSI some) reaches this percent; 0 = off.",
            valueName: "percent"))
    var stallPressure: Double = 80

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Stall when the followed logs have no new line this long (off unless given).", valueName: "seconds"))
    var stallLogSilence: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds between checkpoint snapshots while a stall lasts (at most 30).", valueName: "seconds"))
    var stallCheckpoint: Double = 10

    func validate() throws {
        func check(_ value: Double, _ name: String, _ range: ClosedRange<Double>) throws {
            guard value.isFinite, range.contains(value) else {
                throw ValidationError(
                    "--\(name) must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
            }
        }
        try check(stallSample, "stall-sample", 0.05...10)
        try check(stallWindow, "stall-window", 1...600)
        guard stallWindow >= stallSample else {
            throw ValidationError("--stall-window must be at least --stall-sample")
        }
        try check(stallDState, "stall-d-state", 0...86_400)
        try check(stallStopped, "stall-stopped", 0...86_400)
        try check(stallStarved, "stall-starved", 0...86_400)
        try check(stallRunqueue, "stall-runqueue", 0...1000)
        try check(stallPressure, "stall-pressure", 0...100)
        if let stallLogSilence { try check(stallLogSilence, "stall-log-silence", 0.1...86_400) }
        try check(stallCheckpoint, "stall-checkpoint", 1...86_400)
    }

    var settings: StallSettings {
        func ns(_ seconds: Double) -> UInt64 { UInt64((seconds * 1e9).rounded()) }
        func ifOn(_ seconds: Double) -> UInt64? { seconds > 0 ? ns(seconds) : nil }
        var settings = StallSettings()
        settings.enabled = !noStalls
        settings.sampleIntervalNs = ns(stallSample)
        settings.windowNs = ns(stallWindow)
        settings.thresholds.uninterruptibleNs = ifOn(stallDState)
        settings.thresholds.stoppedNs = ifOn(stallStopped)
        settings.thresholds.starvedNs = ifOn(stallStarved)
        settings.thresholds.runQueueMsPerSecond = stallRunqueue > 0 ? stallRunqueue : nil
        settings.thresholds.pressurePercent = stallPressure > 0 ? stallPressure : nil
        settings.thresholds.logSilenceNs = stallLogSilence.map(ns)
        settings.thresholds.checkpointNs = ns(stallCheckpoint)
        return settings
    }
}
