import Glibc

/// A failed system call's errno, as a Swift error. The only place EINTR is retried is
/// `SystemCall.retrying` (nanosleep's resume with the time remaining, in `Clocks.sleep`, is the
/// one loop of its own).
///
/// Why not swift-system's `Errno` and `FileDescriptor`: the kernel layer needs owning handles
/// that close in deinit (`OwnedDescriptor`, as STYLE.md asks) over epoll, timerfd, signalfd,
/// eventfd, inotify, pidfd and netlink, which swift-system does not wrap; its `FileDescriptor`
/// is a non-owning value closed by hand. Keeping one small `Errno` with typed throws beside
/// those handles avoids converting between two error types at every call for 40 lines of code.
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current errno.
    public static var current: Errno { Errno(rawValue: errno) }

    public static let interrupted = Errno(rawValue: EINTR)
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    public static let noBufferSpace = Errno(rawValue: ENOBUFS)
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    public static let noSuchFile = Errno(rawValue: ENOENT)
    public static let permissionDenied = Errno(rawValue: EACCES)
    public static let notPermitted = Errno(rawValue: EPERM)
    public static let fileExists = Errno(rawValue: EEXIST)
    public static let isDirectory = Errno(rawValue: EISDIR)

    public var description: String { String(cString: strerror(rawValue)) }
}

/// The one wrapper every raw call goes through: `-1` plus errno becomes a thrown `Errno`,
/// and EINTR is retried here and nowhere else.
enum SystemCall {
    @discardableResult
    static func retrying<T: BinaryInteger>(_ call: () -> T) throws(Errno) -> T {
        while true {
            let result = call()
            if result >= 0 { return result }
            let error = Errno.current
            if error != .interrupted { throw error }
        }
    }

    /// For C functions that return `-errno` instead of setting errno (libbpf, the shim).
    @discardableResult
    static func negativeErrno(_ call: () -> Int32) throws(Errno) -> Int32 {
        while true {
            let result = call()
            if result >= 0 { return result }
            if -result != EINTR { throw Errno(rawValue: -result) }
        }
    }
}
