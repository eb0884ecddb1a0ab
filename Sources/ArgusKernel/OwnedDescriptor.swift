import Glibc

/// A file descriptor this process owns and closes when the handle goes away.
/// Handles are created, used and freed on the event-loop thread.
public final class OwnedDescriptor {
    public let rawValue: Int32

    public init(adopting rawValue: Int32) { self.rawValue = rawValue }

    deinit { close(rawValue) }

    /// Reads up to `count` bytes into `buffer`; returns 0 at end of file, nil when it would block.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int? {
        do {
            return try SystemCall.retrying { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
        } catch .wouldBlock {
            return nil
        }
    }

    /// Whether the descriptor polls readable right now, without waiting (poll(2) with timeout 0).
    public func isReadable() -> Bool { waitReadable(timeoutMs: 0) }

    /// poll(2) for input readiness, waiting at most `timeoutMs` (-1 for ever).
    public func waitReadable(timeoutMs: Int32) -> Bool {
        var entry = pollfd(fd: rawValue, events: Int16(POLLIN), revents: 0)
        let ready = (try? SystemCall.retrying { poll(&entry, 1, timeoutMs) }) ?? 0
        return ready > 0 && entry.revents & Int16(POLLIN) != 0
    }
}
