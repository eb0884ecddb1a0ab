import CArgusLinux
import Glibc

/// An eventfd(2): another thread raises it, and the event loop sees it readable. Worker threads
/// use it to say their results are waiting.
///
/// `@unchecked Sendable`: the only state is the descriptor, fixed at init; write(2) and read(2)
/// on an eventfd are atomic in the kernel, and the descriptor is closed only in deinit, once no
/// thread holds the counter any more.
public final class EventCounter: @unchecked Sendable {
    public let descriptor: OwnedDescriptor

    /// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
    public init() throws(Errno) {
        descriptor = OwnedDescriptor(
            adopting: try SystemCall.retrying { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) })
    }

    /// write(2) of 1: makes the descriptor readable. Safe from any thread.
    public func raise() {
        var one: UInt64 = 1
        _ = try? SystemCall.retrying { withUnsafeBytes(of: &one) { write(descriptor.rawValue, $0.baseAddress, 8) } }
    }

    /// read(2): clears readiness.
    public func acknowledge() {
        var count: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &count) { try? descriptor.read(into: $0) }
    }

    /// poll(2) for readability, at most `timeoutMs`: true when raised.
    public func wait(timeoutMs: Int32) -> Bool {
        descriptor.waitReadable(timeoutMs: timeoutMs)
    }
}
