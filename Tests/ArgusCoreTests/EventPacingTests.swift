import ArgusCore
import Testing

struct EventPacingTests {
    let ms: UInt64 = 1_000_000

    @Test func eventsFarApartEachWakeTheLoop() {
        var pacing = EventPacing()
        var steps: [EventPacing.Step] = []
        for (index, wake) in [UInt64(5), 10, 50, 52].enumerated() {
            steps.append(pacing.woke(at: wake * ms, received: index + 1))
        }
        #expect(steps == [.stay, .stay, .stay, .stay])
        #expect(!pacing.holding && pacing.holds == 0)
    }

    @Test func aSecondWakeWithinTheGapHoldsUntilAReadFindsNothing() {
        var pacing = EventPacing(burstGapNs: 1 * ms, holdNs: 2 * ms)
        #expect(pacing.woke(at: 100 * ms, received: 2) == .stay)
        #expect(pacing.woke(at: 100 * ms + ms / 2, received: 4) == .hold)
        #expect(pacing.holding && pacing.holds == 1)
        // A wake-up queued before the descriptors were unwatched changes nothing.
        #expect(pacing.woke(at: 100 * ms + ms / 2 + 10, received: 4) == .stay)
        #expect(pacing.holdEnded(at: 103 * ms, received: 44) == .hold)
        #expect(pacing.holdEnded(at: 105 * ms, received: 45) == .hold)
        #expect(pacing.holdEnded(at: 107 * ms, received: 45) == .release)
        #expect(!pacing.holding && pacing.holdReads == 3)
        // Right after the release the burst goes on: the next wake-up holds again.
        #expect(pacing.woke(at: 107 * ms + ms / 4, received: 46) == .hold)
        #expect(pacing.holds == 2)
        #expect(pacing.holdEnded(at: 110 * ms, received: 46) == .release)
        #expect(pacing.woke(at: 200 * ms, received: 47) == .stay)
    }

    @Test func eventsReadByAnotherWakeUpDuringTheHoldKeepItOn() {
        var pacing = EventPacing(burstGapNs: 1 * ms, holdNs: 2 * ms)
        _ = pacing.woke(at: 10 * ms, received: 1)
        #expect(pacing.woke(at: 10 * ms + 1, received: 2) == .hold)
        // The sample tick's wake-up drained 30 events just before the hold timer's: 0 at its own read.
        #expect(pacing.holdEnded(at: 12 * ms, received: 32) == .hold)
    }

    @Test func aHoldNoLongerAllowedEndsEvenWithEventsWaiting() {
        var pacing = EventPacing()
        _ = pacing.woke(at: 10 * ms, received: 1)
        #expect(pacing.woke(at: 10 * ms + 1, received: 2) == .hold)
        #expect(pacing.holdEnded(at: 12 * ms, received: 11, allowed: false) == .release)
        #expect(pacing.holdEnded(at: 13 * ms, received: 11) == .stay)
        // The descriptors could not be watched again: the timer goes on reading them.
        pacing.keepHolding()
        #expect(pacing.holding && pacing.holds == 1)
        #expect(pacing.holdEnded(at: 15 * ms, received: 11) == .release)
    }

    @Test func aReleaseWithoutATimedReadIsNotCountedAsARead() {
        var pacing = EventPacing()
        _ = pacing.woke(at: 10 * ms, received: 1)
        #expect(pacing.woke(at: 10 * ms + 1, received: 2) == .hold)
        pacing.release(at: 11 * ms)
        #expect(!pacing.holding && pacing.holdReads == 0)
        // An event right after the release is still part of the burst.
        #expect(pacing.woke(at: 11 * ms + 1, received: 3) == .hold)
    }
}
