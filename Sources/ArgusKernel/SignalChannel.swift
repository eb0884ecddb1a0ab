import CArgusLinux
import Glibc

/// Signals delivered as readable events on a signalfd instead of asynchronous handlers.
/// `block` must run before any other thread starts, so every thread inherits the mask.
public final class SignalChannel {
    public let descriptor: OwnedDescriptor

    /// pthread_sigmask(SIG_BLOCK) for `signals` in the calling thread (and threads it starts later).
    public static func block(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// signalfd(2) for `signals`, which must already be blocked.
    public init(signals: [Int32]) throws(Errno) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        descriptor = OwnedDescriptor(
            adopting: try SystemCall.retrying { signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC)) })
    }

    /// The signals that arrived since the last call, oldest first.
    public func pending() -> [Int32] {
        var received: [Int32] = []
        var info = signalfd_siginfo()
        while true {
            let count = withUnsafeMutableBytes(of: &info) { try? descriptor.read(into: $0) }
            guard let count, count == MemoryLayout<signalfd_siginfo>.size else { return received }
            received.append(Int32(info.ssi_signo))
        }
    }
}
