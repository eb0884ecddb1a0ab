import ArgusCore
import Testing

struct EventPacingTests {
    let ms: UInt64 = 1_000_000

    @Test func eventsFarApartEachWakeTheLoop() {
        var pacing = EventPacing()
        var steps: [EventPacing.Step] = []
        for wake in [UInt64(5), 10, 50, 52] { steps.append(pacing.woke(at: wake * ms)) }
        #expect(steps == [.stay, .stay, .stay, .stay])
        #expect(!pacing.holding && pacing.holds == 0)
    }

    @Test func aSecondWakeWithinTheGapHoldsUntilAReadFindsNothing() {
        var pacing = EventPacing(burstGapNs: 1 * ms, holdNs: 2 * ms)
        #expect(pacing.woke(at: 100 * ms) == .stay)
        #expect(pacing.woke(at: 100 * ms + ms / 2) == .hold)
        #expect(pacing.holding && pacing.holds == 1)
        // A wake-up queued before the descriptors were unwatched changes nothing.
        #expect(pacing.woke(at: 100 * ms + ms / 2 + 10) == .stay)
        #expect(pacing.holdEnded(at: 103 * ms, drained: 40) == .hold)
        #expect(pacing.holdEnded(at: 105 * ms, drained: 1) == .hold)
        #expect(pacing.holdEnded(at: 107 * ms, drained: 0) == .release)
        #expect(!pacing.holding && pacing.holdReads == 3)
        // Right after the release the burst goes on: the next wake-up holds again.
        #expect(pacing.woke(at: 107 * ms + ms / 4) == .hold)
        #expect(pacing.holds == 2)
        #expect(pacing.holdEnded(at: 110 * ms, drained: 0) == .release)
        #expect(pacing.woke(at: 200 * ms) == .stay)
    }

    @Test func aHoldNoLongerAllowedEndsEvenWithEventsWaiting() {
        var pacing = EventPacing()
        _ = pacing.woke(at: 10 * ms)
        #expect(pacing.woke(at: 10 * ms + 1) == .hold)
        #expect(pacing.holdEnded(at: 12 * ms, drained: 9, allowed: false) == .release)
        #expect(pacing.holdEnded(at: 13 * ms, drained: 9) == .stay)
        // The descriptors could not be watched again: the timer goes on reading them.
        pacing.keepHolding()
        #expect(pacing.holding && pacing.holds == 1)
        #expect(pacing.holdEnded(at: 15 * ms, drained: 0) == .release)
    }
}
