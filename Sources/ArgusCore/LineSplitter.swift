/// Cuts a byte stream from a log file into complete lines.
///
/// A line is the bytes before a `\n`, stored without it; a `\r` before the `\n` is kept, and
/// bytes are not decoded here, so nothing is altered. A last line without its `\n` waits until
/// it is completed, and is given up as `partial` only by `flush()` (at exit, or when the file
/// it came from was truncated or left). A line longer than `maxLineBytes` is given in pieces,
/// each marked partial.
public struct LineSplitter: Sendable {
    public struct Line: Sendable, Equatable {
        public var bytes: [UInt8]
        /// Byte offset of the line's first byte in its file.
        public var offset: UInt64
        public var partial: Bool

        public init(bytes: [UInt8], offset: UInt64, partial: Bool = false) {
            self.bytes = bytes
            self.offset = offset
            self.partial = partial
        }
    }

    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    /// File offset of the next byte to arrive.
    public private(set) var offset: UInt64

    public init(offset: UInt64 = 0, maxLineBytes: Int = 16 << 20) {
        self.offset = offset
        self.maxLineBytes = maxLineBytes
    }

    /// Bytes waiting for their newline.
    public var pendingCount: Int { pending.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> [Line] {
        var lines: [Line] = []
        var start = 0
        let newline = UInt8(ascii: "\n")
        while let end = bytes[start...].firstIndex(of: newline) {
            let lineStart = offset - UInt64(pending.count)
            pending.append(contentsOf: bytes[start..<end])
            lines.append(Line(bytes: pending, offset: lineStart))
            pending.removeAll(keepingCapacity: true)
            offset += UInt64(end - start + 1)
            start = end + 1
        }
        pending.append(contentsOf: bytes[start...])
        offset += UInt64(bytes.count - start)
        if pending.count > maxLineBytes, let piece = flush() { lines.append(piece) }
        return lines
    }

    public mutating func append(_ bytes: [UInt8]) -> [Line] {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Gives up the incomplete last line, if any, as partial.
    public mutating func flush() -> Line? {
        guard !pending.isEmpty else { return nil }
        let line = Line(bytes: pending, offset: offset - UInt64(pending.count), partial: true)
        pending.removeAll(keepingCapacity: true)
        return line
    }

    /// Starts over at `offset` (after a truncation), giving up what was pending as partial.
    public mutating func restart(at newOffset: UInt64) -> Line? {
        let line = flush()
        offset = newOffset
        return line
    }
}
