import ArgusCore
import ArgusKernel

/// Bursts of kernel events read on a timer instead of one wake-up each (EventPacing).
extension Session {
    /// Holding is allowed only when nothing is lost by handling an event a little later: the
    /// exec probe has the program's name and arguments (else they are read from /proc, and a
    /// short-lived program is gone), and the scope reads nothing of a program at its exec.
    var holdsEventBursts: Bool {
        procEvents != nil && kernelCounters != nil && !scope.readsProgramsAtExec && !isEnding
    }

    /// The proc connector or the exit ring woke the loop (their events are drained already).
    func eventDescriptorsWoke() {
        eventWakeups += 1
        guard holdsEventBursts, eventPacing.woke(at: Clocks.monotonicNs()) == .hold else { return }
        watchEventDescriptors(false)
        armEventHold()
    }

    /// The hold timer fired; this wake drained the proc connector already.
    func eventHoldEnded() {
        kernelCounters?.collect()
        switch eventPacing.holdEnded(at: Clocks.monotonicNs(), drained: eventsDrained, allowed: holdsEventBursts) {
        case .hold: armEventHold()
        case .release: watchEventDescriptors(true)
        case .stay: break
        }
    }

    private func armEventHold() {
        do {
            try holdTimer.arm(firstNs: eventPacing.holdNs)
        } catch {
            // Without the timer nothing would read them: let the events wake the loop again.
            _ = eventPacing.holdEnded(at: Clocks.monotonicNs(), drained: 0, allowed: false)
            watchEventDescriptors(true)
        }
    }

    private func watchEventDescriptors(_ readable: Bool) {
        do {
            if let procEvents {
                try epoll.setReadable(procEvents.descriptor, token: Token.procEvents.rawValue, readable)
            }
            if let watchedExitRing { try epoll.setReadable(watchedExitRing, token: Token.bpfExits.rawValue, readable) }
        } catch {
            console.warning("cannot \(readable ? "watch" : "pause") the kernel's event descriptors: \(error)")
        }
    }

    /// One line for --verbose at the end: how many wake-ups the kernel's events cost.
    func describeEventWakeups() {
        guard let procEvents else { return }
        console.detail(
            "Kernel events: \(procEvents.eventsReceived) from the proc connector, \(eventWakeups) wake-up(s) by them, "
                + "\(eventPacing.holdReads) timed read(s) in \(eventPacing.holds) burst(s)")
    }
}
