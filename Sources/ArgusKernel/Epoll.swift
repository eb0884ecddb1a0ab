import CArgusLinux
import Glibc

/// The one readiness loop: an epoll instance whose registrations carry a caller-chosen token.
public final class Epoll {
    private let descriptor: OwnedDescriptor
    private var events: [epoll_event]

    public init(capacity: Int = 32) throws(Errno) {
        descriptor = OwnedDescriptor(adopting: try SystemCall.retrying { epoll_create1(Int32(EPOLL_CLOEXEC)) })
        events = Array(repeating: epoll_event(), count: capacity)
    }

    /// epoll_ctl(EPOLL_CTL_ADD) for input readiness.
    public func watchReadable(_ fd: Int32, token: UInt64) throws(Errno) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = token
        try SystemCall.retrying { epoll_ctl(descriptor.rawValue, EPOLL_CTL_ADD, fd, &event) }
    }

    /// epoll_ctl(EPOLL_CTL_MOD): `readable` false keeps `fd` registered but its input no longer
    /// wakes the loop (the kernel still runs epoll's callback on the descriptor's wait queue, and
    /// still reports an error or hang-up); true watches it again, and reports it at the next wait
    /// if it is readable already.
    public func setReadable(_ fd: Int32, token: UInt64, _ readable: Bool) throws(Errno) {
        var event = epoll_event()
        event.events = readable ? EPOLLIN.rawValue : 0
        event.data.u64 = token
        try SystemCall.retrying { epoll_ctl(descriptor.rawValue, EPOLL_CTL_MOD, fd, &event) }
    }

    /// epoll_ctl(EPOLL_CTL_DEL).
    public func unwatch(_ fd: Int32) throws(Errno) {
        try SystemCall.retrying { epoll_ctl(descriptor.rawValue, EPOLL_CTL_DEL, fd, nil) }
    }

    /// The most tokens one `wait` returns.
    public var capacity: Int { events.count }

    /// epoll_wait: the tokens that are ready, waiting at most `timeoutMs` (-1 for ever).
    public func wait(timeoutMs: Int32) throws(Errno) -> [UInt64] {
        let capacity = Int32(events.count)
        let count = try events.withUnsafeMutableBufferPointer { buffer throws(Errno) in
            try SystemCall.retrying { epoll_wait(descriptor.rawValue, buffer.baseAddress, capacity, timeoutMs) }
        }
        return events.prefix(Int(count)).map { $0.data.u64 }
    }
}
