import ArgusCore
import Glibc

/// A file opened for reading, with what its identity and size are now.
public final class OpenFile {
    public let descriptor: OwnedDescriptor
    public let identity: FileIdentity

    /// open(O_RDONLY). Fails with the errno (ENOENT, EACCES, ...), and with EISDIR for a
    /// directory, which open(2) itself accepts but whose reads would all fail.
    public init(path: String) throws(Errno) {
        let fd = try SystemCall.retrying { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        descriptor = OwnedDescriptor(adopting: fd)
        var info = stat()
        try SystemCall.retrying { fstat(fd, &info) }
        if info.st_mode & S_IFMT == S_IFDIR { throw .isDirectory }
        identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// fstat(2)'s size now.
    public var size: UInt64? {
        var info = stat()
        return fstat(descriptor.rawValue, &info) == 0 ? UInt64(max(info.st_size, 0)) : nil
    }

    /// lseek(2) to an absolute offset. A regular file accepts any offset; false when the
    /// descriptor does not (a pipe or a directory).
    @discardableResult
    public func seek(to offset: UInt64) -> Bool {
        (try? SystemCall.retrying { lseek(descriptor.rawValue, off_t(offset), SEEK_SET) }) != nil
    }

    /// read(2) into `buffer`; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        (try? descriptor.read(into: buffer)).flatMap { $0 } ?? 0
    }

    /// What `path` names now, following symlinks; nil when nothing.
    public static func identity(of path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The file a symlink points to, made absolute; nil when `path` is not a symlink.
    public static func symlinkTarget(of path: String) -> String? {
        guard let target = ProcFS.link(path) else { return nil }
        if target.hasPrefix("/") { return target }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (directory.isEmpty ? "." : directory) + "/" + target
    }

    /// realpath(3) of a directory, or the path unchanged when it cannot be resolved.
    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return cwd + (cwd.hasSuffix("/") ? "" : "/") + path
    }
}
