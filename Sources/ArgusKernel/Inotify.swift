import CArgusLinux
import Glibc

/// One inotify instance (inotify_init1): file and directory events as a readable descriptor.
public final class Inotify {
    public struct Event: Sendable, Equatable {
        public var watch: Int32
        public var mask: UInt32
        public var name: String?

        public var overflowed: Bool { mask & UInt32(IN_Q_OVERFLOW) != 0 }
    }

    /// What argus-trace asks to hear about a followed file and about its directory.
    public static let fileEvents = UInt32(IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_CLOSE_WRITE)
    public static let directoryEvents = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB)

    public let descriptor: OwnedDescriptor
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    public init() throws(Errno) {
        descriptor = OwnedDescriptor(
            adopting: try SystemCall.retrying { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) })
    }

    /// inotify_add_watch(2); follows symlinks. The same inode gives the same watch number.
    public func watch(_ path: String, mask: UInt32) throws(Errno) -> Int32 {
        try SystemCall.retrying { inotify_add_watch(descriptor.rawValue, path, mask) }
    }

    /// inotify_rm_watch(2).
    public func unwatch(_ watch: Int32) {
        _ = inotify_rm_watch(descriptor.rawValue, watch)
    }

    /// Every queued event, oldest first.
    public func read() -> [Event] {
        var events: [Event] = []
        while true {
            let read = try? SystemCall.retrying {
                buffer.withUnsafeMutableBytes { raw in Glibc.read(descriptor.rawValue, raw.baseAddress, raw.count) }
            }
            guard let count = read, count > 0 else { return events }  // EAGAIN: the queue is empty
            events += buffer.withUnsafeBytes { Self.parse($0.prefix(count)) }
        }
    }

    /// Parses `struct inotify_event` records: wd, mask, cookie, len, then a NUL-padded name.
    static func parse(_ bytes: UnsafeRawBufferPointer.SubSequence) -> [Event] {
        var events: [Event] = []
        var offset = bytes.startIndex
        let header = 16
        while offset + header <= bytes.endIndex {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let watch = raw.loadUnaligned(fromByteOffset: 0, as: Int32.self)
            let mask = raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            let length = Int(raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
            guard offset + header + length <= bytes.endIndex else { break }
            let nameBytes = raw[header..<(header + length)].prefix { $0 != 0 }
            events.append(
                Event(
                    watch: watch, mask: mask, name: nameBytes.isEmpty ? nil : String(decoding: nameBytes, as: UTF8.self)
                ))
            offset += header + length
        }
        return events
    }
}
