import ArgusKernel
import Foundation
import Testing

@Suite struct HTTPClientTests {
    @Test func aPortNobodyListensOnIsAFailureInCurlsWords() throws {
        let client = try #require(HTTPClient(userAgent: "argus-trace-test"))
        // Port 9 (discard) on loopback: nothing listens there on these machines.
        let outcome = client.post("http://127.0.0.1:9/v1/metrics", headers: [], body: Array("{}".utf8))
        guard case .failed(let why) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(why.contains("127.0.0.1"), "\(why)")
        #expect(!outcome.succeeded)
    }

    @Test func aURLThatIsNotHTTPIsRefusedBeforeAnyIO() throws {
        let client = try #require(HTTPClient(userAgent: "argus-trace-test"))
        let outcome = client.post("file:///etc/hostname", headers: [], body: [])
        #expect(!outcome.succeeded)
        if case .status = outcome { Issue.record("file:// must not be fetched: \(outcome)") }
    }
}
