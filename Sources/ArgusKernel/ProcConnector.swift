import ArgusCore
import CArgusLinux
import CMnl
import Glibc

/// A subscription to the kernel's proc connector (NETLINK_CONNECTOR, CN_IDX_PROC) through
/// libmnl: every fork, exec and exit on the machine, the instant it happens.
///
/// The socket is non-blocking and drained completely whenever it is read: a socket that is not
/// drained fast enough overflows (ENOBUFS), and the kernel then says only that some events
/// were lost, never how many.
public final class ProcConnector {
    private let socket: OpaquePointer
    private var buffer: [UInt8]
    public let descriptor: Int32
    /// Proc events decoded so far.
    public private(set) var eventsReceived = 0
    /// ENOBUFS reports: each says one or more events were dropped by the kernel.
    public private(set) var overflows = 0
    /// The receive buffer the kernel granted, in bytes.
    public let receiveBufferBytes: Int

    /// mnl_socket_open2 + mnl_socket_bind(CN_IDX_PROC) + PROC_CN_MCAST_LISTEN.
    /// Needs CAP_NET_ADMIN; throws what failed otherwise.
    public init(receiveBufferBytes wanted: Int = 64 << 20) throws(Errno) {
        guard let socket = mnl_socket_open2(NETLINK_CONNECTOR, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
        else { throw Errno.current }
        let descriptor = mnl_socket_get_fd(socket)
        var size = Int32(clamping: wanted)
        let length = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) != 0 {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, length)
        }
        var granted: Int32 = 0
        var grantedLength = length
        _ = getsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &granted, &grantedLength)
        // Bound and subscribed before self is whole: a class whose init throws after that runs
        // its deinit, which would close the socket a second time.
        do {
            try SystemCall.retrying { mnl_socket_bind(socket, ARGUS_CN_IDX_PROC, pid_t(MNL_SOCKET_AUTOPID)) }
            try Self.send(listen: true, on: socket)
        } catch {
            mnl_socket_close(socket)
            throw error
        }
        self.socket = socket
        self.descriptor = descriptor
        receiveBufferBytes = Int(granted)
        buffer = Array(repeating: 0, count: 16 * 1024)
    }

    deinit {
        try? Self.send(listen: false, on: socket)
        mnl_socket_close(socket)
    }

    /// Drops, inside the kernel, every message that cannot concern process `tgid` alone (a classic
    /// BPF socket filter), so a busy machine does not wake the tracer: what is not about `tgid`
    /// or one of its threads, including the forks of its children (not followed with this filter).
    public func keepOnly(tgid: Int32) throws(Errno) {
        try SystemCall.negativeErrno { argus_cn_proc_attach_filter(descriptor, tgid) }
    }

    /// Reads every queued message and hands each decoded event to `handle`, oldest first.
    /// Returns true when the kernel reported an overflow during this drain.
    @discardableResult
    public func drain(_ handle: (ProcEvent) -> Void) throws(Errno) -> Bool {
        var overflowed = false
        while true {
            let received = buffer.withUnsafeMutableBytes { bytes in
                mnl_socket_recvfrom(socket, bytes.baseAddress, bytes.count)
            }
            if received < 0 {
                let error = Errno.current
                switch error {
                case .interrupted: continue
                case .wouldBlock: return overflowed
                case .noBufferSpace:
                    overflows += 1
                    overflowed = true
                    continue
                default: throw error
                }
            }
            let events = buffer.withUnsafeBytes { Self.decode(messages: $0, length: received) }
            eventsReceived += events.count
            events.forEach(handle)
        }
    }

    /// Walks the netlink messages of one datagram (mnl_nlmsg_ok / mnl_nlmsg_next) and decodes
    /// the proc events among them. Public so tests can feed recorded bytes.
    public static func decode(messages bytes: UnsafeRawBufferPointer, length: Int) -> [ProcEvent] {
        guard let base = bytes.baseAddress, length > 0 else { return [] }
        var events: [ProcEvent] = []
        var remaining = Int32(length)
        var header = UnsafeMutableRawPointer(mutating: base).assumingMemoryBound(to: nlmsghdr.self)
        while mnl_nlmsg_ok(header, remaining) {
            let payloadLength = mnl_nlmsg_get_payload_len(header)
            var flat = argus_proc_event()
            if argus_cn_proc_decode(mnl_nlmsg_get_payload(header), payloadLength, &flat) == 1 {
                events.append(ProcEvent(flat))
            }
            header = mnl_nlmsg_next(header, &remaining)
        }
        return events
    }

    private static func send(listen: Bool, on socket: OpaquePointer) throws(Errno) {
        var message = [UInt8](repeating: 0, count: 64)
        let portID = mnl_socket_get_portid(socket)
        let length = message.withUnsafeMutableBytes { bytes in
            argus_cn_proc_subscription(bytes.baseAddress, bytes.count, portID, listen ? 1 : 0)
        }
        try SystemCall.retrying {
            message.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, length) }
        }
    }
}

extension ProcEvent {
    /// The shim's flat copy of one `struct proc_event`, as a Swift value.
    init(_ flat: argus_proc_event) {
        let kind: Kind
        switch flat.kind {
        case ARGUS_PROC_EVENT_NONE.rawValue:
            kind = .acknowledgement(error: flat.ack_err)
        case ARGUS_PROC_EVENT_FORK.rawValue:
            kind = .fork(
                parentPid: flat.parent_pid, parentTgid: flat.parent_tgid, childPid: flat.pid, childTgid: flat.tgid)
        case ARGUS_PROC_EVENT_EXEC.rawValue:
            kind = .exec(pid: flat.pid, tgid: flat.tgid)
        case ARGUS_PROC_EVENT_EXIT.rawValue:
            kind = .exit(
                pid: flat.pid, tgid: flat.tgid, status: WaitStatus(raw: flat.exit_code), parentTgid: flat.parent_tgid)
        case ARGUS_PROC_EVENT_COMM.rawValue:
            let name = withUnsafeBytes(of: flat.comm) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            kind = .comm(pid: flat.pid, tgid: flat.tgid, name: name)
        case ARGUS_PROC_EVENT_COREDUMP.rawValue:
            kind = .coreDump(pid: flat.pid, tgid: flat.tgid)
        default:
            kind = .other
        }
        self.init(monotonicNs: flat.timestamp_ns, kind: kind)
    }
}
