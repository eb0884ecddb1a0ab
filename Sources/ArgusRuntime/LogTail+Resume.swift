import ArgusCore
import ArgusKernel

/// Where following starts when the database already holds lines of a path
/// (`--logfile-start resume`, the default): the rest of a rotated file first, then the path's
/// file from the stored end or its top. What is read from before this start is read late.
extension LogTail {
    /// Plans where source `index` starts (`LogResume.plan` on what the files are now) and, when
    /// that is before its end, opens it there and queues it as backlog, read on the loop's next
    /// turns within the per-wake budget. False when it starts at its end, as before.
    func startBeforeEnd(_ index: Int, mode: LogStartMode, stored: LogPosition?) -> Bool {
        let source = sources[index]
        let file = try? OpenFile(path: source.path)
        let path = file.map { LogFileState(inode: $0.identity.inode, size: $0.size ?? 0) }
        var rotated: (path: String, file: OpenFile)?
        if mode == .resume, let stored, path?.inode != stored.inode {
            rotated = rotatedFile(of: source, inode: stored.inode)
        }
        let plan = LogResume.plan(
            mode: mode, stored: stored, path: path,
            rotated: rotated.map { LogFileState(inode: $0.file.identity.inode, size: $0.file.size ?? 0) })
        if let note = plan.note {
            if mode == .end {
                console.detail("Log file \(source.path): \(note)")
            } else {
                console.warning("log file \(source.path) \(note)")
            }
        }
        if let offset = plan.rotatedRest, let rotated {
            source.retired = cursor(rotated.file, watching: rotated.path, index: index, from: offset)
            console.detail("Log file \(source.path): reading the rest of \(rotated.path) from byte \(offset) first")
        }
        switch plan.current {
        case .end:
            return false
        case .offset(let offset):
            if let file {
                source.current = cursor(file, watching: source.path, index: index, from: offset)
                console.detail("Log file \(source.path): resuming at byte \(offset), where the stored lines end")
            }
        case .top:
            if let file { source.current = cursor(file, watching: source.path, index: index, from: 0) }
        }
        pending.insert(index)
        return true
    }

    /// A cursor on `file` from `offset`, watched through `path`; what the file holds now is
    /// read late.
    private func cursor(_ file: OpenFile, watching path: String, index: Int, from offset: UInt64) -> LogCursor {
        file.seek(to: offset)
        let watch = try? inotify.watch(path, mask: Inotify.fileEvents)
        if let watch { fileWatchers[watch, default: [:]][index, default: 0] += 1 }
        return LogCursor(file: file, splitter: LineSplitter(offset: offset), watch: watch, lateBefore: file.size ?? 0)
    }

    /// The file with `inode` under another name beside the path (or beside its symlink's
    /// target): where a rename rotation put it (`app.log.1`).
    private func rotatedFile(of source: LogSource, inode: UInt64) -> (path: String, file: OpenFile)? {
        var directories = [source.directory]
        if let target = OpenFile.symlinkTarget(of: source.path) {
            directories.append(LogSource.split(OpenFile.absolute(target)).directory)
        }
        for directory in directories {
            for name in ProcFS.list(directory) ?? [] {
                let candidate = (directory == "/" ? "" : directory) + "/" + name
                guard candidate != source.path, OpenFile.identity(of: candidate)?.inode == inode,
                    let file = try? OpenFile(path: candidate), file.identity.inode == inode
                else { continue }
                return (candidate, file)
            }
        }
        return nil
    }
}
