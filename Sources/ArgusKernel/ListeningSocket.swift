import ArgusCore
import Glibc

/// A bound, listening TCP socket (socket, setsockopt SO_REUSEADDR, bind, listen), made here so a
/// bind failure says exactly why (EADDRINUSE, EADDRNOTAVAIL, EACCES) before any server starts.
enum ListeningSocket {
    /// Why a socket could not listen on the address, in one line.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Resolves `address` (getaddrinfo, AI_PASSIVE: no host means every interface) and listens on
    /// its first address that binds. Returns the descriptor (non-blocking, close-on-exec) and the
    /// port it got (the one asked for, or the kernel's pick for port 0).
    static func open(_ address: ListenAddress) throws(Failure) -> (descriptor: Int32, port: UInt16) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_ADDRCONFIG
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(address.host, String(address.port), &hints, &found)
        guard resolved == 0, let first = found else {
            throw Failure(description: "cannot resolve \(address): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(first) }
        var lastError = Errno(rawValue: EADDRNOTAVAIL)
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        // With no host, prefer the IPv6 wildcard (dual-stack) when the machine has IPv6.
        while let entry = candidate {
            candidate = entry.pointee.ai_next
            do {
                return try bindAndListen(entry.pointee)
            } catch {
                lastError = error
            }
        }
        throw Failure(description: "cannot listen on \(address): \(lastError)")
    }

    private static func bindAndListen(_ entry: addrinfo) throws(Errno) -> (descriptor: Int32, port: UInt16) {
        let descriptor = socket(
            entry.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
            0)
        guard descriptor >= 0 else { throw Errno.current }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, entry.ai_addr, entry.ai_addrlen) == 0, listen(descriptor, 64) == 0 else {
            let error = Errno.current
            close(descriptor)
            throw error
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            let error = Errno.current
            close(descriptor)
            throw error
        }
        let family = Int32(bound.ss_family)
        let port = withUnsafePointer(to: &bound) { pointer -> UInt16 in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    UInt16(bigEndian: $0.pointee.sin6_port)
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt16(bigEndian: $0.pointee.sin_port)
            }
        }
        return (descriptor, port)
    }
}
