import CArgusLinux
import Glibc

/// Signals delivered as readable events on a signalfd instead of asynchronous handlers.
/// `block` must run before any other thread starts, so every thread inherits the mask.
public final class SignalChannel {
    public let descriptor: OwnedDescriptor

    /// pthread_sigmask(SIG_BLOCK) for `signals` in the calling thread (and threads it starts later).
    public static func block(_ signals: [Int32]) throws(Errno) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        // pthread_sigmask returns the error number instead of setting errno.
        let code = pthread_sigmask(SIG_BLOCK, &set, nil)
        if code != 0 { throw Errno(rawValue: code) }
    }

    /// signal(2) SIG_IGN for `signals` in the whole process: a closed stdout or stderr (a pipe to
    /// `head`) then fails writes with EPIPE instead of killing argus-trace mid-save. Children get
    /// their default actions back when spawned.
    public static func ignore(_ signals: [Int32]) {
        for signal in signals { _ = Glibc.signal(signal, SIG_IGN) }
    }

    /// signalfd(2) for `signals`, which must already be blocked.
    public init(signals: [Int32]) throws(Errno) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        descriptor = OwnedDescriptor(
            adopting: try SystemCall.retrying { signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC)) })
    }

    /// One signal as delivered, with who sent it.
    public struct Delivery: Sendable, Equatable {
        public var signal: Int32
        /// Sent by the kernel itself, e.g. a terminal's Ctrl-C (SI_KERNEL), rather than by kill(2).
        public var fromKernel: Bool
        public var senderPID: Int32
    }

    /// The signals that arrived since the last call, oldest first.
    public func pending() -> [Int32] { deliveries().map(\.signal) }

    /// The signals that arrived since the last call, with their senders, oldest first.
    public func deliveries() -> [Delivery] {
        var received: [Delivery] = []
        var info = signalfd_siginfo()
        while true {
            let count = withUnsafeMutableBytes(of: &info) { try? descriptor.read(into: $0) }
            guard let count, count == MemoryLayout<signalfd_siginfo>.size else { return received }
            received.append(
                Delivery(
                    signal: Int32(info.ssi_signo), fromKernel: info.ssi_code == 0x80,
                    senderPID: Int32(bitPattern: info.ssi_pid)))
        }
    }
}
