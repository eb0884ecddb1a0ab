import ArgusCore
import ArgusKernel
import ArgusStore

/// Followed log files: started before the root is attached or spawned, so its first lines are
/// caught; lines become rows of the root.
extension Session {
    /// Starts following `settings.logfiles` where `settings.logfileStart` says (by default where
    /// the database's rows of each path end, else from its end) and adds the tail to the loop.
    /// A log that is missing, unreadable or a directory gets one warning from LogTail.
    func startLogs() {
        // The store is open: where its rows of each path end (none with a test's sinks).
        let database = writer == nil ? nil : settings.databasePath
        guard
            let (tail, first) = LogTail.start(
                paths: settings.logfiles, console: console, mode: settings.logfileStart,
                stored: { path in database.flatMap { LogPositions.last(path: path, inDatabase: $0) } })
        else { return }
        logTail = tail
        do {
            try epoll.watchReadable(tail.descriptor, token: Token.logEvents.rawValue)
        } catch {
            console.warning("cannot follow log files in the event loop (\(error)); metrics continue")
        }
        record(first)
    }

    /// Log lines become rows (exact bytes kept when they are not UTF-8) and console lines.
    func record(_ lines: [TailedLine]) {
        guard !lines.isEmpty else { return }
        logLines += lines.count
        lastLogLineNs = Clocks.monotonicNs()
        let root = table.root
        submit(
            lines.map {
                .log(LogRecord(tailed: $0, appName: appName, processName: root?.name ?? "", pid: root?.pid ?? 0))
            })
        if scope.echoesRoot && console.verbosity >= .normal {
            for tailed in lines { console.info("Log: \(String(decoding: tailed.line.bytes, as: UTF8.self))") }
        } else {
            for tailed in lines { console.detail("Log: \(String(decoding: tailed.line.bytes, as: UTF8.self))") }
        }
    }
}

extension LogRecord {
    /// A followed log's line as a row: exact bytes kept when they are not UTF-8.
    init(tailed: TailedLine, appName: String, processName: String, pid: Int32) {
        let bytes = tailed.line.bytes
        let valid = String(validating: bytes, as: UTF8.self)
        self.init(
            time: tailed.time, appName: appName, processName: processName, pid: pid,
            line: valid ?? String(decoding: bytes, as: UTF8.self), path: tailed.path, offset: tailed.line.offset,
            inode: tailed.inode, partial: tailed.line.partial, raw: valid == nil ? bytes : nil,
            readLate: tailed.readLate)
    }
}
