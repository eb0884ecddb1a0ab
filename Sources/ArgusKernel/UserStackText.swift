/// The text `eu-stack -m -p PID` (elfutils) prints: a "PID N - process" line, then per thread a
/// "TID N:" line and its frames, innermost first:
///
///     #0  0x00007f024df77503 clock_nanosleep@GLIBC_2.2.5 - /usr/lib/x86_64-linux-gnu/libc.so.6
///     #2  0x0000564ec2b8b4af - /usr/bin/sleep
///
/// (a frame without a symbol has no function; without `-m` there is no " - MODULE"). Parsed
/// as text, so it is tested on recorded output; lines it does not know are skipped.
public struct UserStackText: Sendable, Equatable {
    /// Each thread's top frames, in the order eu-stack printed the threads.
    public var threads: [(tid: Int32, frames: [UserFrame])]
    /// Threads that had more frames than were kept.
    public var truncated: Set<Int32>

    public init(parsing text: String, maxFrames: Int = 32) {
        threads = []
        truncated = []
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("TID "), trimmed.hasSuffix(":"), let tid = Int32(trimmed.dropFirst(4).dropLast()) {
                threads.append((tid, []))
            } else if let frame = UserFrame(parsing: String(trimmed)), !threads.isEmpty {
                if threads[threads.count - 1].frames.count < maxFrames {
                    threads[threads.count - 1].frames.append(frame)
                } else {
                    truncated.insert(threads[threads.count - 1].tid)
                }
            }
        }
    }

    /// Each thread's frames as stored: one eu-stack frame line per line.
    public var stacks: [Int32: String] {
        var stacks: [Int32: String] = [:]
        for thread in threads where !thread.frames.isEmpty {
            stacks[thread.tid] = thread.frames.map(\.line).joined(separator: "\n")
        }
        return stacks
    }

    public static func == (a: UserStackText, b: UserStackText) -> Bool {
        a.truncated == b.truncated && a.threads.map(\.tid) == b.threads.map(\.tid)
            && a.threads.map(\.frames) == b.threads.map(\.frames)
    }
}
