import Glibc

/// A /proc file opened once and re-read whole with pread(2) at offset 0: a re-read costs no
/// path lookup, only the kernel's formatting of the file. Once its process or thread is gone,
/// every read fails, so a reused id can never be read through it.
final class RereadableFile {
    private let descriptor: OwnedDescriptor

    /// open(2) read-only, or nil (gone, or not permitted).
    init?(path: String, flags: Int32 = 0) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | flags)
        guard fd >= 0 else { return nil }
        descriptor = OwnedDescriptor(adopting: fd)
    }

    var rawValue: Int32 { descriptor.rawValue }

    /// The whole file as text, using `buffer` (grown as needed) for the bytes. A read that
    /// fills less than the room it was given is the end: every file read through this class
    /// (/proc/PID/{stat,status,io,schedstat,wchan}, /proc/pressure/*) is a single-record
    /// seq_file, which the kernel formats whole and hands a reader as much of as fits, so one
    /// pread, not two, reads it. (Not so for many-record files such as maps or cgroup.procs,
    /// which may stop short at a record's edge: do not read those through this class.)
    func read(using buffer: inout [UInt8]) -> String? {
        readBytes(into: &buffer).map { String(decoding: buffer[0..<$0], as: UTF8.self) }
    }

    /// The file read and parsed from the bytes read, with no String of the whole file.
    func read<Parsed>(using buffer: inout [UInt8], parsing parse: (ArraySlice<UInt8>) -> Parsed?) -> Parsed? {
        readBytes(into: &buffer).flatMap { parse(buffer[0..<$0]) }
    }

    /// The same, as bytes: the count read into the front of `buffer`.
    func readBytes(into buffer: inout [UInt8]) -> Int? {
        var filled = 0
        while true {
            if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: max(buffer.count, 4096))) }
            let room = buffer.count - filled
            let read = try? SystemCall.retrying {
                buffer.withUnsafeMutableBytes { raw in
                    pread(descriptor.rawValue, raw.baseAddress! + filled, room, off_t(filled))
                }
            }
            guard let count = read else { return nil }
            filled += count
            if count < room { return filled }
        }
    }
}
