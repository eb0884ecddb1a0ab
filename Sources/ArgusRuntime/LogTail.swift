import ArgusCore
import ArgusKernel

/// A line read from a followed log, with when it was captured.
struct TailedLine {
    var path: String
    var line: LineSplitter.Line
    var inode: UInt64
    var time: WallTime
    /// The line was in its file before following started and was read from a stored position.
    var readLate = false
}

/// Follows log files by name through inotify, in the event loop: new lines the moment they are
/// written, across rotation by rename, copytruncate, truncation, deletion and re-creation, a
/// file that appears later, and a symlinked path. Nothing here sleeps or polls.
final class LogTail {
    let inotify: Inotify
    let console: Console
    private(set) var sources: [LogSource] = []
    /// Directory watch → (source, the entry name that matters there).
    private var directoryWatchers: [Int32: [(source: Int, name: String)]] = [:]
    /// File watch → the sources reading that inode, with a count so shared watches survive.
    var fileWatchers: [Int32: [Int: Int]] = [:]
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Bytes one wake-up may read, so a burst of a gigabyte cannot starve the other sources;
    /// what is left is read on the next turns of the loop.
    static let bytesPerWake = 4 << 20
    private var budget = Int.max
    /// Sources with unread data left when the budget ran out.
    var pending = Set<Int>()

    /// Data is left to read: the loop calls `resume()` without waiting.
    var hasBacklog: Bool { !pending.isEmpty }

    var descriptor: Int32 { inotify.descriptor.rawValue }

    init(paths: [String], console: Console) throws(Errno) {
        inotify = try Inotify()
        self.console = console
        for path in paths {
            let source = LogSource(path: OpenFile.absolute(path))
            let index = sources.count
            sources.append(source)
            var directories = [(source.directory, source.name)]
            if let target = OpenFile.symlinkTarget(of: source.path) {
                let (directory, name) = LogSource.split(OpenFile.absolute(target))
                directories.append((directory, name))
            }
            for (directory, name) in directories {
                do {
                    let watch = try inotify.watch(directory, mask: Inotify.directoryEvents)
                    directoryWatchers[watch, default: []].append((index, name))
                } catch {
                    console.warning("log file \(source.path): cannot watch \(directory) (\(error)); it is not followed")
                }
            }
        }
    }

    /// A tail of `paths`, following from where `mode` and the stored positions say (`stored`
    /// takes a path as LogTail records it, absolute), with its first lines; nil (after saying
    /// so) when inotify is not available. Watch and run start their logs this way, before they
    /// say they are attached, and then add `descriptor` to their loop.
    static func start(
        paths: [String], console: Console, mode: LogStartMode = .end, stored: (String) -> LogPosition? = { _ in nil }
    ) -> (LogTail, [TailedLine])? {
        guard !paths.isEmpty else { return nil }
        do {
            let tail = try LogTail(paths: paths, console: console)
            return (tail, tail.start(mode: mode, stored: stored))
        } catch {
            console.warning("cannot follow log files (inotify: \(error)); metrics continue")
            return nil
        }
    }

    /// Opens every log where `mode` and its stored position say (a missing one is waited for).
    /// A log that starts at its end gives its first lines here; one that starts before its end
    /// is read on the loop's next turns, a budget per wake-up as any backlog.
    func start(mode: LogStartMode = .end, stored: (String) -> LogPosition? = { _ in nil }) -> [TailedLine] {
        let atEnd = sources.indices.filter { !startBeforeEnd($0, mode: mode, stored: stored(sources[$0].path)) }
        for source in sources where OpenFile.identity(of: source.path) == nil {
            console.warning("log file \(source.path) does not exist yet; waiting for it")
        }
        return atEnd.flatMap { check($0, starting: true) }
    }

    /// Reads the inotify queue and follows what it names.
    func handleEvents() -> [TailedLine] {
        var due = pending
        for event in inotify.read() {
            if event.overflowed { due.formUnion(sources.indices) }
            for (source, name) in directoryWatchers[event.watch] ?? [] where event.name == name { due.insert(source) }
            for source in (fileWatchers[event.watch] ?? [:]).keys { due.insert(source) }
        }
        return checkBounded(due)
    }

    /// Reads on where the last wake-up's budget ran out.
    func resume() -> [TailedLine] {
        checkBounded(pending)
    }

    private func checkBounded(_ due: Set<Int>) -> [TailedLine] {
        pending = []
        budget = Self.bytesPerWake
        defer { budget = Int.max }
        return due.sorted().flatMap { check($0, starting: false) }
    }

    /// Reads everything left and gives up incomplete last lines, marked partial.
    func finish() -> [TailedLine] {
        var lines: [TailedLine] = []
        for index in sources.indices {
            lines += check(index, starting: false)
            let source = sources[index]
            for cursor in [source.retired, source.current].compactMap({ $0 }) {
                if let last = cursor.splitter.flush() { lines.append(tailed(last, source, cursor)) }
            }
        }
        return lines
    }

    /// Follows one path after an event. Lines come out in the order they were written: the
    /// retired file's rest first, then the open file's, then a new file's.
    private func check(_ index: Int, starting: Bool) -> [TailedLine] {
        let source = sources[index]
        var lines: [TailedLine] = []
        if let retired = source.retired { lines += drain(retired, of: source) }
        let retiredEnd = lines.count
        guard budget > 0 else {
            pending.insert(index)
            return lines
        }

        let current = source.current
        let steps = LogRotation.plan(
            open: current?.file.identity, readOffset: current?.splitter.offset ?? 0, openSize: current?.file.size,
            path: OpenFile.identity(of: source.path), starting: starting)
        for step in steps {
            switch step {
            case .restartFromTop:
                guard let current = source.current else { continue }
                console.detail("Log file \(source.path) was truncated; reading it from the top")
                current.file.seek(to: 0)
                if let cut = current.splitter.restart(at: 0) { lines.append(tailed(cut, source, current)) }
            case .readToEnd:
                if let current = source.current { lines += drain(current, of: source) }
                guard budget > 0 else {
                    // Out of budget mid-file: plan again from here on the next turn.
                    pending.insert(index)
                    return lines
                }
            case .retireCurrent:
                if let previous = source.retired { lines += close(previous, of: index) }
                source.retired = source.current
                source.current = nil
                console.detail("Log file \(source.path) was rotated or removed; finishing the old file")
            case .openPath(let atEnd):
                if let opened = open(source, index: index, atEnd: atEnd), !starting {
                    console.detail("Following new file \(source.path) (inode \(opened.file.identity.inode))")
                }
            }
        }
        // The writer has moved on once the new file has data: finish the old one, in its place.
        if let retired = source.retired, let current = source.current, current.splitter.offset > 0 {
            let rest = drain(retired, of: source)
            guard budget > 0 else {
                lines.insert(contentsOf: rest, at: retiredEnd)
                pending.insert(index)
                return lines
            }
            lines.insert(contentsOf: close(retired, of: index), at: retiredEnd)
            lines.insert(contentsOf: rest, at: retiredEnd)
            source.retired = nil
        }
        return lines
    }

    private func open(_ source: LogSource, index: Int, atEnd: Bool) -> LogCursor? {
        let file: OpenFile
        do {
            file = try OpenFile(path: source.path)
        } catch .noSuchFile {
            return nil  // gone again between stat and open: the next event brings it back
        } catch {
            if !source.warnedUnreadable {
                console.warning("cannot read log file \(source.path): \(error); metrics continue")
                source.warnedUnreadable = true
            }
            return nil
        }
        source.warnedUnreadable = false
        let start = atEnd ? (file.size ?? 0) : 0
        file.seek(to: start)
        let watch = try? inotify.watch(source.path, mask: Inotify.fileEvents)
        if let watch { fileWatchers[watch, default: [:]][index, default: 0] += 1 }
        let cursor = LogCursor(file: file, splitter: LineSplitter(offset: start), watch: watch)
        source.current = cursor
        return cursor
    }

    private func close(_ cursor: LogCursor, of index: Int) -> [TailedLine] {
        var lines: [TailedLine] = []
        if let last = cursor.splitter.flush() { lines.append(tailed(last, sources[index], cursor)) }
        if let watch = cursor.watch, var owners = fileWatchers[watch] {
            owners[index, default: 1] -= 1
            if owners[index] == 0 { owners[index] = nil }
            if owners.isEmpty {
                fileWatchers[watch] = nil
                inotify.unwatch(watch)
            } else {
                fileWatchers[watch] = owners
            }
        }
        return lines
    }

    private func drain(_ cursor: LogCursor, of source: LogSource) -> [TailedLine] {
        var lines: [TailedLine] = []
        while budget > 0 {
            let count = buffer.withUnsafeMutableBytes { cursor.file.read(into: $0) }
            guard count > 0 else { return lines }
            budget -= count
            let complete = buffer.withUnsafeBytes {
                cursor.splitter.append(UnsafeRawBufferPointer(rebasing: $0[0..<count]))
            }
            lines += complete.map { tailed($0, source, cursor) }
        }
        return lines
    }

    private func tailed(_ line: LineSplitter.Line, _ source: LogSource, _ cursor: LogCursor) -> TailedLine {
        TailedLine(
            path: source.path, line: line, inode: cursor.file.identity.inode,
            time: WallTime(nanoseconds: Clocks.realtimeNs()), readLate: line.offset < cursor.lateBefore)
    }
}

/// One followed path: the file being read, and the one it replaced while that is finished.
final class LogSource {
    let path: String
    let directory: String
    let name: String
    var current: LogCursor?
    var retired: LogCursor?
    var warnedUnreadable = false

    init(path: String) {
        self.path = path
        (directory, name) = Self.split(path)
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let directory = parts.dropLast().joined(separator: "/")
        return (directory.isEmpty ? "/" : directory, String(parts.last ?? ""))
    }
}

/// An open log file and how far it was read.
final class LogCursor {
    let file: OpenFile
    var splitter: LineSplitter
    let watch: Int32?
    /// Lines starting before this offset were in the file when following started from a stored
    /// position: they are read late. 0 for a file followed from its end or opened later.
    let lateBefore: UInt64

    init(file: OpenFile, splitter: LineSplitter, watch: Int32?, lateBefore: UInt64 = 0) {
        self.file = file
        self.splitter = splitter
        self.watch = watch
        self.lateBefore = lateBefore
    }
}
