/// Which file a path names: device and inode. A log's path names a new identity after a
/// rotation by rename, or after deletion and re-creation.
public struct FileIdentity: Sendable, Hashable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    public var description: String { "\(device):\(inode)" }
}

/// What a log follower does after something happened to its path or its open file.
public enum LogStep: Sendable, Equatable {
    /// The open file shrank below what was read (truncation, copytruncate): read it from 0.
    case restartFromTop
    /// Read the open file to its end.
    case readToEnd
    /// The path names another file now (or none): keep the open one aside, still read to its
    /// end before anything newer, until the writer has moved to the new file.
    case retireCurrent
    /// Open the file the path names; at its end only when following starts, else from the top
    /// (everything in a file that appeared while following is new).
    case openPath(atEnd: Bool)
}

/// The rotation decision, as a pure function of what was observed, so every rotation sequence
/// (rename + create, copytruncate, delete + re-create, a file that appears later) is tested
/// without a file system.
public enum LogRotation {
    /// - Parameters:
    ///   - open: identity of the file being read, nil when none is open.
    ///   - readOffset: how far that file was read.
    ///   - openSize: its size now (fstat of the open descriptor).
    ///   - path: what the path names now (stat through symlinks), nil when nothing.
    ///   - starting: true for the first look, when following starts.
    public static func plan(
        open: FileIdentity?, readOffset: UInt64, openSize: UInt64?, path: FileIdentity?, starting: Bool
    ) -> [LogStep] {
        var steps: [LogStep] = []
        if let open {
            if let openSize, openSize < readOffset { steps.append(.restartFromTop) }
            steps.append(.readToEnd)
            if path != open { steps.append(.retireCurrent) }
        }
        if path != nil && (open == nil || path != open) {
            steps.append(.openPath(atEnd: starting))
            if !starting { steps.append(.readToEnd) }
        }
        return steps
    }
}
