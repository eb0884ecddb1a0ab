import CCurl
import Glibc

/// What came of one request: the server's status code, or why no answer came (refused,
/// timed out, TLS, a bad URL), in curl's words.
public enum HTTPOutcome: Sendable, Equatable {
    case status(Int)
    case failed(String)

    /// 2xx.
    public var succeeded: Bool {
        if case .status(let code) = self { return (200..<300).contains(code) }
        return false
    }
}

/// An HTTP client over libcurl's easy interface: POST a body with headers, with timeouts; TLS,
/// proxies (the usual `https_proxy` variables) and redirects' refusal are curl's. Certificates
/// are verified against the system's CA store, or, as the curl tool does, the bundle named by
/// `CURL_CA_BUNDLE` or `SSL_CERT_FILE` (a company's private CA). One handle is
/// kept, so its connection is reused between requests. Not `Sendable`: the one thread that
/// creates it uses it (an exporter's thread), never the event loop.
public final class HTTPClient {
    public struct Timeouts: Sendable {
        public var connectMs: Int
        public var totalMs: Int

        public init(connectMs: Int = 5_000, totalMs: Int = 15_000) {
            self.connectMs = connectMs
            self.totalMs = totalMs
        }
    }

    private let handle: UnsafeMutableRawPointer
    private let errorText: UnsafeMutablePointer<CChar>
    private let timeouts: Timeouts
    private let userAgent: String

    /// Why libcurl cannot be used here, in one line (it is opened the first time this is asked,
    /// not at start: see CCurl.h); nil when it can. Exporters ask at set-up, so a missing
    /// library is said once, before anything is recorded.
    public static var libraryProblem: String? { loaded.problem }

    /// dlopen and curl_global_init(CURL_GLOBAL_DEFAULT), once per process before the first
    /// handle (a `static let` is initialised once, thread-safely).
    private static let loaded: (ready: Bool, problem: String?) = {
        if let problem = CCurl_load() {
            return (false, "cannot load libcurl (\(String(cString: problem))); install Debian's libcurl4")
        }
        guard CCurl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK else {
            return (false, "libcurl could not start (curl_global_init failed)")
        }
        return (true, nil)
    }()

    /// The CA bundle the environment names (CURL_CA_BUNDLE, else SSL_CERT_FILE), read once.
    private static let caBundle: String? = {
        for name in ["CURL_CA_BUNDLE", "SSL_CERT_FILE"] {
            if let value = getenv(name).map({ String(cString: $0) }), !value.isEmpty { return value }
        }
        return nil
    }()

    /// curl_easy_init; nil when curl cannot start (out of memory, its global init failed).
    public init?(timeouts: Timeouts = Timeouts(), userAgent: String) {
        guard Self.loaded.ready, let handle = CCurl_easy_init() else { return nil }
        self.handle = handle
        self.timeouts = timeouts
        self.userAgent = userAgent
        errorText = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorText.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        CCurl_easy_cleanup(handle)
        errorText.deallocate()
    }

    /// curl_easy_perform of a POST of `body` to `url` with `headers` ("Name: value"); the
    /// response body is read and discarded.
    public func post(_ url: String, headers: [String], body: [UInt8]) -> HTTPOutcome {
        CCurl_easy_reset(handle)
        var list: UnsafeMutablePointer<curl_slist>?
        // "Expect:" turns off curl's 100-continue round trip for larger bodies.
        for header in headers + ["Expect:"] { list = CCurl_slist_append(list, header) }
        defer { CCurl_slist_free_all(list) }
        errorText[0] = 0
        var code = CCurl_setopt_string(handle, CURLOPT_URL, url)
        let settings: [(CURLoption, Int)] = [
            (CURLOPT_NOSIGNAL, 1), (CURLOPT_POST, 1), (CURLOPT_CONNECTTIMEOUT_MS, timeouts.connectMs),
            (CURLOPT_TIMEOUT_MS, timeouts.totalMs), (CURLOPT_FOLLOWLOCATION, 0),
        ]
        for (option, value) in settings where code == CURLE_OK { code = CCurl_setopt_long(handle, option, value) }
        if code == CURLE_OK { code = CCurl_setopt_string(handle, CURLOPT_USERAGENT, userAgent) }
        if code == CURLE_OK { code = CCurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https") }
        if code == CURLE_OK, let bundle = Self.caBundle { code = CCurl_setopt_string(handle, CURLOPT_CAINFO, bundle) }
        if code == CURLE_OK { code = CCurl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)) }
        if code == CURLE_OK { code = CCurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorText) }
        if code == CURLE_OK { code = CCurl_setopt_write_function(handle, { _, size, count, _ in size * count }) }
        guard code == CURLE_OK else { return .failed(describe(code)) }
        code = body.withUnsafeBytes { bytes in
            let setCode = CCurl_setopt_body(handle, bytes.baseAddress ?? UnsafeRawPointer(errorText), bytes.count)
            return setCode == CURLE_OK ? CCurl_easy_perform(handle) : setCode
        }
        guard code == CURLE_OK else { return .failed(describe(code)) }
        var status = 0
        guard CCurl_response_code(handle, &status) == CURLE_OK else { return .failed("no response code") }
        return .status(status)
    }

    /// curl's detailed message (CURLOPT_ERRORBUFFER), else curl_easy_strerror.
    private func describe(_ code: CURLcode) -> String {
        errorText[0] != 0 ? String(cString: errorText) : String(cString: CCurl_easy_strerror(code))
    }
}
