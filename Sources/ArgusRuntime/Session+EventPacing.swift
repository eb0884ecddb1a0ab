import ArgusCore
import ArgusKernel

/// Bursts of kernel events read on a timer instead of one wake-up each (EventPacing).
extension Session {
    /// Holding is allowed only when nothing is lost by handling an event a little later: the
    /// scope reads nothing of a program at its exec, and a member's exec is named by the exec
    /// probe in the exec itself (else its /proc files are read, and a short-lived program is
    /// gone), or only the root can exec (no children are followed: it is the watched process).
    var holdsEventBursts: Bool {
        guard procEvents != nil, !isEnding, !scope.readsProgramsAtExec else { return false }
        return !scope.followsChildren || kernelCounters?.namesExecs == true
    }

    private var eventsReceived: Int { procEvents?.eventsReceived ?? 0 }

    /// The proc connector or the exit ring woke the loop (their events are drained already).
    func eventDescriptorsWoke() {
        eventWakeups += 1
        guard holdsEventBursts, eventPacing.woke(at: Clocks.monotonicNs(), received: eventsReceived) == .hold else {
            return
        }
        if watchEventDescriptors(false) {
            armEventHold()
        } else {
            releaseEventHold()
        }
    }

    /// The hold timer fired; this wake read the exit ring and the proc connector already.
    func eventHoldEnded() {
        switch eventPacing.holdEnded(at: Clocks.monotonicNs(), received: eventsReceived, allowed: holdsEventBursts) {
        case .hold: armEventHold()
        case .release: watchAgainOrKeepHolding()
        case .stay: break
        }
    }

    /// After each turn of the loop: a hold the session no longer allows (the scope went back to
    /// waiting for a program's exec) ends now, not at its timer.
    func endEventHoldIfNotAllowed() {
        guard eventPacing.holding, !holdsEventBursts else { return }
        try? holdTimer.disarm()
        releaseEventHold()
    }

    private func releaseEventHold() {
        eventPacing.release(at: Clocks.monotonicNs())
        watchAgainOrKeepHolding()
    }

    private func watchAgainOrKeepHolding() {
        guard !watchEventDescriptors(true) else { return }
        // Unwatched with no timer, nothing would read them (the loop reads the proc connector
        // when epoll reports it, or while holding): read them on the timer.
        eventPacing.keepHolding()
        armEventHold()
    }

    private func armEventHold() {
        do {
            try holdTimer.arm(firstNs: eventPacing.holdNs)
        } catch {
            // Without the timer nothing would read them: let the events wake the loop again. If
            // that fails too, stay holding: the loop then reads them at every wake-up.
            console.warning("cannot arm the timer that reads bursts of kernel events: \(error)")
            eventPacing.release(at: Clocks.monotonicNs())
            if !watchEventDescriptors(true) { eventPacing.keepHolding() }
        }
    }

    /// Sets whether the proc connector and the exit ring wake the loop; false when one could not be set.
    private func watchEventDescriptors(_ readable: Bool) -> Bool {
        var descriptors: [(Int32, Token)] = []
        if let procEvents { descriptors.append((procEvents.descriptor, .procEvents)) }
        if let watchedExitRing { descriptors.append((watchedExitRing, .bpfExits)) }
        var allSet = true
        for (descriptor, token) in descriptors {
            do {
                try epoll.setReadable(descriptor, token: token.rawValue, readable)
            } catch {
                allSet = false
                console.warning("cannot \(readable ? "watch" : "pause") a kernel event descriptor: \(error)")
            }
        }
        return allSet
    }

    /// One line for --verbose at the end: how many wake-ups the kernel's events cost.
    func describeEventWakeups() {
        guard let procEvents else { return }
        console.detail(
            "Kernel events: \(procEvents.eventsReceived) from the proc connector, \(eventWakeups) wake-up(s) by them, "
                + "\(eventPacing.holdReads) timed read(s) in \(eventPacing.holds) burst(s)")
    }
}
