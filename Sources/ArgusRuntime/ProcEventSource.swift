import ArgusCore
import ArgusKernel

/// Where a session's fork, exec and exit events come from: the kernel's proc connector, or a
/// scripted source in tests. Its descriptor polls readable when events wait.
protocol ProcEventSource: AnyObject {
    var descriptor: Int32 { get }
    /// Events decoded so far.
    var eventsReceived: Int { get }
    /// Times the kernel said it dropped messages.
    var overflows: Int { get }
    /// Hands every queued event to `handle`, oldest first; true when the kernel dropped some.
    func drain(_ handle: (ProcEvent) -> Void) throws(Errno) -> Bool
    /// Drops, where it can, every event that cannot concern process `tgid`.
    func keepOnly(tgid: Int32) throws(Errno)
}

extension ProcConnector: ProcEventSource {}
