import ArgusCore
import ArgusKernel

/// The rows and console lines a watch produces.
extension WatchSession {
    func printHeader() {
        console.info("Starting monitoring: \(appName)")
        console.info("Process: \(processName) (PID: \(pid))")
        for path in options.recording.logfiles { console.info("Log file: \(OpenFile.absolute(path))") }
        console.info("Collection interval: \(Watcher.format(seconds: options.recording.intervalNs)) seconds")
        console.info("Timestamp: \(WallTime(nanoseconds: Clocks.realtimeNs()).consoleString)")
        console.blank()
    }

    func event(_ type: ProcessEventType, at time: WallTime, detail: String? = nil) -> Record {
        .event(
            ProcessEventRecord(
                time: time, appName: appName, processName: processName, pid: pid, type: type,
                startTicks: target.startTicks, detail: detail))
    }

    func terminated(_ end: ProcessEnd, probed: WaitStatus?) -> Record {
        let status = end.status
        return .event(
            ProcessEventRecord(
                time: clock.wallTime(monotonicNs: end.monotonicNs), appName: appName, processName: processName,
                pid: pid, type: .terminated, exitCode: status?.shellCode, signal: status?.signal,
                coreDumped: status.map(\.coreDumped), startTicks: target.startTicks, source: end.source,
                detail: status.map(\.description) ?? "exit status unknown", bpfExitCode: probed?.shellCode))
    }

    /// Log lines become rows (exact bytes kept when they are not UTF-8) and console lines.
    func record(_ lines: [TailedLine]) {
        guard !lines.isEmpty else { return }
        logLines += lines.count
        lastLogLineNs = Clocks.monotonicNs()
        writer.submit(
            lines.map { .log(LogRecord(tailed: $0, appName: appName, processName: processName, pid: pid)) })
        if console.verbosity >= .normal {
            for tailed in lines { console.info("Log: \(String(decoding: tailed.line.bytes, as: UTF8.self))") }
        }
    }
}
