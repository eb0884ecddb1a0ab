import ArgusKernel
import Glibc
import Testing

/// `FileSystem.contents(of:)`: a whole file, or the errno that says why not.
struct FileSystemContentsTests {
    @Test func aFileIsReadWholeBeyondTheFirstBuffer() throws {
        let path = "/tmp/argus-contents-\(getpid()).txt"
        defer { unlink(path) }
        let text = String(repeating: "0123456789abcdef\n", count: 3000)  // 51,000 bytes
        try FileSystem.write(text, to: path)
        #expect(try FileSystem.contents(of: path) == Array(text.utf8))
    }

    @Test func aMissingFileAndADirectoryAreTheirErrno() {
        #expect(throws: Errno.noSuchFile) { try FileSystem.contents(of: "/nonexistent/argus/config.yaml") }
        #expect(throws: Errno.isDirectory) { try FileSystem.contents(of: "/tmp") }
    }
}
