import Glibc

/// Files argus-trace writes for the user: the database's place, reports, and what a path is.
public enum FileSystem {
    /// What a path names, following symlinks.
    public enum Kind: Sendable, Equatable {
        case missing
        case directory
        case regularFile
        case other
    }

    /// stat(2)'s file type of `path`.
    public static func kind(of path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regularFile
        default: return .other
        }
    }

    /// access(2) with R_OK: nil when readable, else why not.
    public static func readError(of path: String) -> Errno? {
        access(path, R_OK) == 0 ? nil : Errno.current
    }

    /// access(2) with X_OK: nil when executable, else why not.
    public static func executeError(of path: String) -> Errno? {
        access(path, X_OK) == 0 ? nil : Errno.current
    }

    /// Creates the missing directories of `path`'s parent with mode 0700 (mkdir(2) each), and the
    /// file itself with mode 0600 when it does not exist (open(2) O_CREAT | O_EXCL), so no other
    /// user can read what is traced. Existing directories and files are left exactly as they are.
    public static func preparePrivateFile(_ path: String) throws(Errno) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty {
            var prefix = directory.hasPrefix("/") ? "" : "."
            for component in directory.split(separator: "/") {
                prefix += "/" + component
                do {
                    try SystemCall.retrying { mkdir(prefix, 0o700) }
                } catch .fileExists {
                    continue
                }
            }
        }
        guard kind(of: path) == .missing else { return }
        do {
            let fd = try SystemCall.retrying { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
            _ = OwnedDescriptor(adopting: fd)
        } catch .fileExists {
            return  // created meanwhile by someone else: theirs, left as it is
        }
    }

    /// The whole of the file at `path` (open(2) O_RDONLY, then read(2) to the end). Fails with
    /// the errno: ENOENT when missing, EACCES, EISDIR for a directory.
    public static func contents(of path: String) throws(Errno) -> [UInt8] {
        let fd = OwnedDescriptor(adopting: try SystemCall.retrying { open(path, O_RDONLY | O_CLOEXEC) })
        var bytes = [UInt8](repeating: 0, count: 16384)
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let read = bytes.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    try SystemCall.retrying { Glibc.read(fd.rawValue, raw.baseAddress! + filled, raw.count - filled) }
                }
            }
            let count = try read.get()
            if count == 0 { return Array(bytes[..<filled]) }
            filled += count
        }
    }

    /// Writes `text` to `path`, replacing what was there (open(2) O_CREAT | O_TRUNC, mode 0644,
    /// then write(2) until all is written).
    public static func write(_ text: String, to path: String) throws(Errno) {
        let fd = OwnedDescriptor(
            adopting: try SystemCall.retrying { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) })
        try fd.writeAll(Array(text.utf8))
    }
}

/// The process's environment.
public enum Environment {
    /// getenv(3).
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

/// The standard streams, written whole.
public enum StandardStream {
    public static let output: Int32 = 1
    public static let error: Int32 = 2

    /// write(2) of all of `text` to `descriptor` (stdout or stderr), retried on EINTR and short
    /// writes; a closed stream loses the text silently (there is nowhere left to say so).
    public static func write(_ text: String, to descriptor: Int32) {
        _ = try? writeAll(Array(text.utf8), to: descriptor)
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let written = try SystemCall.retrying {
                bytes.withUnsafeBytes { raw in Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset) }
            }
            guard written > 0 else { throw Errno(rawValue: EIO) }
            offset += written
        }
    }
}

extension OwnedDescriptor {
    /// write(2) until every byte is written.
    func writeAll(_ bytes: [UInt8]) throws(Errno) {
        try StandardStream.writeAll(bytes, to: rawValue)
    }
}
