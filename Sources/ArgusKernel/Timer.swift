import CArgusLinux
import Glibc

/// A timerfd on CLOCK_MONOTONIC: periodic for sampling, or one-shot for deadlines.
public final class Timer {
    public let descriptor: OwnedDescriptor

    public init() throws(Errno) {
        descriptor = OwnedDescriptor(
            adopting: try SystemCall.retrying {
                timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
            })
    }

    /// timerfd_settime: first expiry after `firstNs`, then every `intervalNs` (0: once).
    public func arm(firstNs: UInt64, intervalNs: UInt64 = 0) throws(Errno) {
        var spec = itimerspec(it_interval: Self.timespec(intervalNs), it_value: Self.timespec(max(firstNs, 1)))
        try SystemCall.retrying { timerfd_settime(descriptor.rawValue, 0, &spec, nil) }
    }

    public func disarm() throws(Errno) {
        var spec = itimerspec()
        try SystemCall.retrying { timerfd_settime(descriptor.rawValue, 0, &spec, nil) }
    }

    /// Reads the expiry count, clearing readiness. 0 when it had not expired.
    @discardableResult
    public func acknowledge() -> UInt64 {
        var count: UInt64 = 0
        let result = withUnsafeMutableBytes(of: &count) { try? descriptor.read(into: $0) }
        return result == nil ? 0 : count
    }

    private static func timespec(_ ns: UInt64) -> Glibc.timespec {
        Glibc.timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
    }
}
