import ArgusCore
import Testing

/// `--metrics-listen HOST:PORT` as typed.
@Suite struct ListenAddressTests {
    @Test func hostsPortsAndBrackets() {
        #expect(ListenAddress(parsing: "127.0.0.1:9464") == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(ListenAddress(parsing: "localhost:80") == ListenAddress(host: "localhost", port: 80))
        #expect(ListenAddress(parsing: "[::1]:9464") == ListenAddress(host: "::1", port: 9464))
        #expect(ListenAddress(parsing: ":9464") == ListenAddress(host: nil, port: 9464))
        #expect(ListenAddress(parsing: "[::1]:9464")?.description == "[::1]:9464")
    }

    @Test func malformedAddressesAreRefused() {
        for text in ["9464", "host", "host:", "host:65536", "::1:9464", "[::1]9464", "[]:80", "a b:80", "host:-1"] {
            #expect(ListenAddress(parsing: text) == nil, "\(text)")
        }
    }
}
