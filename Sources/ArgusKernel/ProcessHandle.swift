import CArgusLinux
import Glibc

/// A pidfd: it polls readable once the process's whole thread group has exited, and it names
/// this process, never a later one that reuses its pid.
public final class ProcessHandle {
    public let pid: Int32
    public let descriptor: OwnedDescriptor

    /// pidfd_open(2).
    public init(pid: Int32) throws(Errno) {
        self.pid = pid
        descriptor = OwnedDescriptor(
            adopting: try SystemCall.negativeErrno { argus_pidfd_open(pid, UInt32(O_NONBLOCK)) })
    }

    /// True once every thread of the process has exited (zombie or reaped).
    public var hasExited: Bool { descriptor.isReadable() }
}
