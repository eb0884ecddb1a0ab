import ArgusKernel

/// How big a receive buffer argus-trace asks for on the proc connector socket.
enum ProcConnectorSettings {
    /// 64 MiB holds a storm of tens of thousands of events while the loop catches up.
    /// `ARGUS_TRACE_NETLINK_BUFFER=BYTES` overrides it: a diagnostic, used by the tests to make
    /// the kernel drop messages on purpose.
    static var receiveBufferBytes: Int {
        guard let text = Environment.value("ARGUS_TRACE_NETLINK_BUFFER"), let bytes = Int(text), bytes > 0
        else { return 64 << 20 }
        return bytes
    }
}
