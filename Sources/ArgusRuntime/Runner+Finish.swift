import ArgusCore
import ArgusKernel
import Glibc

extension Runner {
    /// Saves what is left, prints the summary, writes the reports, and returns CMD's status.
    func finish() -> Int32 {
        if let logTail { record(logTail.finish()) }
        for (pid, status) in ProcessControl.reapAll() {
            apply(tree.reaped(pid, status: status, monotonicNs: Clocks.monotonicNs()))
        }
        apply(tree.settleUnreaped())
        let stoppedAt = WallTime(nanoseconds: Clocks.realtimeNs())
        for node in tree.live.values { writer.submit(.process(processRecord(node))) }
        let reason = stopReason ?? "command and its processes ended"
        writer.submit(event(.monitoringStopped, pid: tree.rootPid, at: stoppedAt, detail: reason))
        let saved = writer.closeSession(
            at: stoppedAt, reason: reason, connector: connector, databasePath: options.recording.databasePath, console: console)

        let processes = (tree.finished + tree.live.values).sorted { $0.startedNs < $1.startedNs }
        let report = RunReport(
            command: options.command, processes: processes.map(runProcess),
            rootIndex: processes.firstIndex { $0.pid == tree.rootPid },
            started: startedAt, ended: stoppedAt, overflows: connector?.overflows ?? 0)
        console.raw(report.summary())
        if let path = options.reportPath { write(report.json(), to: path, what: "--report") }
        if let path = options.junitPath { write(report.junit(), to: path, what: "--junit") }
        if saved.unsaved == 0 { console.info("Data saved to: \(options.recording.databasePath)") }

        // CMD's own status, as a shell reports it; while it still runs, the signal that stopped us.
        if let status = tree.root?.end?.status { return Int32(status.shellCode) }
        if tree.root?.end != nil { return ExitStatus.runFailed }
        return ExitStatus.stoppedBySignal(interrupts > 0 ? SIGINT : SIGTERM)
    }

    private func write(_ text: String, to path: String, what: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            console.warning("cannot write \(what) \(path): \(String(cString: strerror(errno)))")
            return
        }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                console.warning("cannot write \(what) \(path): \(String(cString: strerror(errno)))")
                return
            }
            offset += written
        }
        bytes.removeAll()
    }
}
