/// When the kernel's event descriptors (the proc connector, the exit probe's ring) may wake the
/// loop, and when they are read on a timer instead.
///
/// The watched program pays for each of argus-trace's wake-ups: the kernel wakes the loop from
/// inside the program's own fork, exec or exit, and the scheduler often runs the loop on the
/// program's CPU, right after it. An event after a quiet spell still wakes the loop at once. But
/// once two event wake-ups come closer than `burstGapNs` (a build forking compilers, a shell
/// loop), the descriptors stop waking the loop: they are read every `holdNs` instead, until a
/// read finds nothing waiting. Every event is still read, in order, with the kernel's own
/// timestamp; in a burst it is handled up to `holdNs` later.
public struct EventPacing: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// Nothing changes.
        case stay
        /// Stop watching the descriptors (or keep them unwatched) and read them after `holdNs`.
        case hold
        /// Watch the descriptors again: the burst is over.
        case release
    }

    public let burstGapNs: UInt64
    public let holdNs: UInt64
    /// The descriptors are unwatched, read on the hold timer.
    public private(set) var holding = false
    /// Times a hold began, and reads on the hold timer.
    public private(set) var holds = 0
    public private(set) var holdReads = 0
    private var lastWakeNs: UInt64?
    /// The source's count of events received, at the hold's start or its last timed read.
    private var receivedAtRead = 0

    public init(burstGapNs: UInt64 = 1_000_000, holdNs: UInt64 = 2_000_000) {
        self.burstGapNs = burstGapNs
        self.holdNs = holdNs
    }

    /// The descriptors woke the loop at `now`; `received`: events the source has delivered in all.
    public mutating func woke(at now: UInt64, received: Int) -> Step {
        guard !holding else { return .stay }  // a wake-up already queued when the hold began
        defer { lastWakeNs = now }
        guard let last = lastWakeNs, now >= last, now - last < burstGapNs else { return .stay }
        holding = true
        holds += 1
        receivedAtRead = received
        return .hold
    }

    /// The descriptors could not be watched again after a release: stay on the hold timer.
    public mutating func keepHolding() {
        holding = true
    }

    /// The hold ends at `now` without a timed read (the session no longer allows it, or its timer
    /// could not be armed).
    public mutating func release(at now: UInt64) {
        holding = false
        lastWakeNs = now  // an event right after this is still part of the burst
    }

    /// The hold timer fired at `now` and the descriptors were read: `received` events delivered in
    /// all (the burst goes on if some came since the last read, by any wake-up). `allowed`: holding
    /// is still allowed (the session may have started to need every event at once).
    public mutating func holdEnded(at now: UInt64, received: Int, allowed: Bool = true) -> Step {
        guard holding else { return .stay }
        holdReads += 1
        let arrived = received - receivedAtRead
        receivedAtRead = received
        if arrived > 0 && allowed { return .hold }
        release(at: now)
        return .release
    }
}
