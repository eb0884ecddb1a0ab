/// Where following a log starts (`--logfile-start`).
public enum LogStartMode: String, Sendable, CaseIterable {
    /// At the end of the file, whatever the database holds (Gaze v0.2's "seek to the end").
    case end
    /// Where the database's last stored line of this path ended (the default).
    case resume
    /// At the file's first byte.
    case beginning
}

/// How far a path was stored: the inode of the file that held its last stored line, and the
/// byte just after that line.
///
/// The end of a complete line is its offset + its byte length + 1 (its `\n`). The end of a
/// partial line (stored without its `\n`: at exit, or a piece of a line longer than the
/// splitter's limit) is its offset + its byte length: the rest of that line, if it was
/// written later, becomes a row of its own at its own offset, so no byte is stored twice.
public struct LogPosition: Sendable, Equatable {
    public var inode: UInt64
    public var offset: UInt64

    public init(inode: UInt64, offset: UInt64) {
        self.inode = inode
        self.offset = offset
    }

    /// The end of a stored line.
    public init(inode: UInt64, lineOffset: UInt64, byteLength: UInt64, partial: Bool) {
        self.init(inode: inode, offset: lineOffset &+ byteLength &+ (partial ? 0 : 1))
    }
}

/// A file as seen when following starts: its inode and size.
public struct LogFileState: Sendable, Equatable {
    public var inode: UInt64
    public var size: UInt64

    public init(inode: UInt64, size: UInt64) {
        self.inode = inode
        self.size = size
    }
}

/// Where to start reading one followed path, decided when following starts.
public struct LogStartPlan: Sendable, Equatable {
    /// Where the path's file is read from.
    public enum Current: Sendable, Equatable {
        /// Its end (today's behaviour without a stored position).
        case end
        /// This byte: a line boundary of the same file.
        case offset(UInt64)
        /// Byte 0.
        case top
    }

    /// The file that held the last stored line, now under another name beside the path (a
    /// rotated `PATH.1`), to read from `offset` to its end before the path's file.
    public var rotatedRest: UInt64?
    public var current: Current
    /// One line for the user when something could not be read, or when a mode skips bytes.
    public var note: String?
    /// Bytes known to be skipped (not read, not stored); nil when unknown or none.
    public var unreadBytes: UInt64?

    public init(rotatedRest: UInt64? = nil, current: Current, note: String? = nil, unreadBytes: UInt64? = nil) {
        self.rotatedRest = rotatedRest
        self.current = current
        self.note = note
        self.unreadBytes = unreadBytes
    }
}

/// The resume decision, as a pure function of the stored position and the files seen now, so
/// every state a restart can meet is tested without a file system (as `LogRotation`).
public enum LogResume {
    /// - Parameters:
    ///   - mode: `--logfile-start`.
    ///   - stored: how far the database stored this path, nil when it holds none of its lines.
    ///   - path: the file the path names now, nil when nothing.
    ///   - rotated: the file with `stored.inode` found under another name in the path's
    ///     directory, nil when there is none (or it is the path's own file).
    public static func plan(
        mode: LogStartMode, stored: LogPosition?, path: LogFileState?, rotated: LogFileState?
    ) -> LogStartPlan {
        switch mode {
        case .beginning:
            return LogStartPlan(current: .top)
        case .end:
            guard let stored, let path, path.inode == stored.inode, path.size > stored.offset else {
                return LogStartPlan(current: .end)
            }
            let skipped = path.size - stored.offset
            return LogStartPlan(
                current: .end,
                note: "starting at its end (--logfile-start end): \(skipped) bytes after the last stored line "
                    + "are not read",
                unreadBytes: skipped)
        case .resume:
            guard let stored else { return LogStartPlan(current: .end) }
            return resume(from: stored, path: path, rotated: rotated)
        }
    }

    private static func resume(from stored: LogPosition, path: LogFileState?, rotated: LogFileState?) -> LogStartPlan {
        if let path, path.inode == stored.inode {
            if path.size >= stored.offset { return LogStartPlan(current: .offset(stored.offset)) }
            return LogStartPlan(
                current: .top,
                note: "was truncated while argus-trace was not running (\(path.size) bytes now, the last stored line "
                    + "ended at byte \(stored.offset)): reading it from the top; what was written after byte "
                    + "\(stored.offset) before the truncation could not be read (how many bytes is not known)")
        }
        // The path names another file, or none: the stored one was rotated, or removed.
        let current: LogStartPlan.Current = .top
        guard let rotated, rotated.inode == stored.inode else {
            return LogStartPlan(
                current: current,
                note: "the file that held its last stored line (inode \(stored.inode)) is gone: what was written to it "
                    + "after byte \(stored.offset) could not be read (how many bytes is not known); reading the new file "
                    + "from the top")
        }
        guard rotated.size >= stored.offset else {
            return LogStartPlan(
                current: current,
                note: "its rotated file (inode \(stored.inode)) was truncated below the last stored line (byte "
                    + "\(stored.offset)): it is not read; reading the new file from the top")
        }
        return LogStartPlan(rotatedRest: stored.offset, current: current)
    }
}
