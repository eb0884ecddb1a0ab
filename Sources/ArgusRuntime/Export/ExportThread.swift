import Dispatch
import Synchronization

/// What an exporter's own thread and the session share to run and stop it: a wake-up, the
/// request to close (and when it came), and the thread's end, waited for at most a while.
final class ExportThread: Sendable {
    /// When `beginClose` was first called (monotonic ns); nil while running.
    private let closeRequestedNs = Mutex<UInt64?>(nil)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let ended = DispatchSemaphore(value: 0)

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    var isClosing: Bool { closeRequestedNs.withLock { $0 != nil } }

    /// Wakes the thread: new work, or closing.
    func wake() { wakeUp.signal() }

    /// On the thread: sleeps until woken, or at most until `untilNs` (monotonic) when given.
    func sleep(untilNs: UInt64?) {
        guard let untilNs else { return wakeUp.wait() }
        let now = Self.now()
        guard untilNs > now else { return }
        _ = wakeUp.wait(timeout: .now() + .nanoseconds(Int(clamping: untilNs - now)))
    }

    /// Tells the thread to send what is left and stop; later calls change nothing.
    func beginClose() {
        let first = closeRequestedNs.withLock { requested -> Bool in
            guard requested == nil else { return false }
            requested = Self.now()
            return true
        }
        if first { wake() }
    }

    /// On the thread, as its last act.
    func threadEnded() { ended.signal() }

    /// Asks the thread to close and waits for its end, at most `waitNs` (plus half a second)
    /// from the first request to close. False when it had not ended by then: a request still in
    /// flight (its own timeout is longer) is not waited for, and the thread ends with the process.
    func close(waitNs: UInt64) -> Bool {
        beginClose()
        let requested = closeRequestedNs.withLock { $0 } ?? Self.now()
        let waitUntil = requested + waitNs + 500_000_000
        let now = Self.now()
        return ended.wait(timeout: .now() + .nanoseconds(Int(clamping: waitUntil - min(waitUntil, now)))) == .success
    }
}
