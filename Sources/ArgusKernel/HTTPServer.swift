import ArgusCore
import CMicroHTTPD
import Glibc

/// A small HTTP server on a thread of its own: libmicrohttpd's internal polling thread
/// (`MHD_start_daemon` with `MHD_USE_INTERNAL_POLLING_THREAD`; the library is opened the first
/// time a server starts, see CMicroHTTPD.h), serving each request with
/// `handler`. No HTTP is parsed here; MHD does it. The handler runs on MHD's thread, never on the
/// event loop's.
public final class HTTPServer {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// The Accept header, when there is one.
        public var accept: String?
    }

    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]
        public var headers: [(String, String)]

        public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
            self.status = status
            self.contentType = contentType
            self.body = body
            self.headers = headers
        }

        public static func text(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8), headers: headers)
        }
    }

    public typealias Handler = @Sendable (Request) -> Response

    /// Why the server could not start, in one line.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The port it listens on (the kernel's pick when asked for port 0).
    public let port: UInt16
    private let daemon: OpaquePointer
    private let box: Unmanaged<HandlerBox>

    /// Binds `address` (a failure says why: in use, not available, not resolvable) and starts
    /// serving on MHD's thread. Start it after the loop blocked its signals: the thread inherits
    /// the mask.
    public init(listening address: ListenAddress, handler: @escaping Handler) throws(Failure) {
        let socket: (descriptor: Int32, port: UInt16)
        do {
            socket = try ListeningSocket.open(address)
        } catch {
            throw Failure(description: error.description)
        }
        if let problem = CMicroHTTPD_load() {
            close(socket.descriptor)
            throw Failure(
                description: "cannot load libmicrohttpd (\(String(cString: problem))); install Debian's libmicrohttpd12"
            )
        }
        let box = Unmanaged.passRetained(HandlerBox(handler))
        let flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_AUTO.rawValue
        let started = CMicroHTTPD_start(flags, socket.descriptor, 64, 30, serveRequest, box.toOpaque())
        guard let started else {
            close(socket.descriptor)
            box.release()
            throw Failure(description: "libmicrohttpd could not start serving on \(address)")
        }
        daemon = started
        self.box = box
        port = socket.port
    }

    /// MHD_stop_daemon: stops the thread (waiting for a request being served) and closes the socket.
    deinit {
        CMicroHTTPD_stop_daemon(daemon)
        box.release()
    }
}

/// The handler, passed to MHD's thread as its context pointer. `@unchecked Sendable` is safe:
/// it holds one immutable `@Sendable` closure.
private final class HandlerBox: @unchecked Sendable {
    let handler: HTTPServer.Handler

    init(_ handler: @escaping HTTPServer.Handler) { self.handler = handler }
}

/// The MHD_AccessHandlerCallback: answers on the first call for a request, whatever its method
/// (MHD discards a request body it was not asked to read).
private func serveRequest(
    _ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?, _ url: UnsafePointer<CChar>?,
    _ method: UnsafePointer<CChar>?, _ version: UnsafePointer<CChar>?, _ uploadData: UnsafePointer<CChar>?,
    _ uploadSize: UnsafeMutablePointer<Int>?, _ state: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let context, let connection else { return .NO }
    let handler = Unmanaged<HandlerBox>.fromOpaque(context).takeUnretainedValue().handler
    let accept = CMicroHTTPD_lookup_connection_value(connection, .HEADER_KIND, "Accept").map { String(cString: $0) }
    let request = HTTPServer.Request(
        method: method.map { String(cString: $0) } ?? "", path: url.map { String(cString: $0) } ?? "/",
        accept: accept)
    let answer = handler(request)
    let response = answer.body.withUnsafeBytes {
        CMicroHTTPD_create_response_from_buffer(
            answer.body.count, UnsafeMutableRawPointer(mutating: $0.baseAddress), .RESPMEM_MUST_COPY)
    }
    guard let response else { return .NO }
    defer { CMicroHTTPD_destroy_response(response) }
    CMicroHTTPD_add_response_header(response, "Content-Type", answer.contentType)
    for (name, value) in answer.headers { CMicroHTTPD_add_response_header(response, name, value) }
    return CMicroHTTPD_queue_response(connection, UInt32(answer.status), response)
}
