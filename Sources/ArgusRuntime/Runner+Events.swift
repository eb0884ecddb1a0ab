import ArgusCore
import ArgusKernel

/// Turning the tree's changes into rows.
extension Runner {
    func drainEvents() {
        guard let connector else { return }
        do {
            let overflowed = try connector.drain { apply(tree.apply($0)) }
            if overflowed { recoverFromOverflow() }
        } catch {
            console.warning("reading the proc connector failed: \(error)")
        }
    }

    /// The kernel dropped messages: say so, then mend from /proc what can be mended. Exits of
    /// argus-trace's own children and adopted orphans still come, exact, from waitpid.
    private func recoverFromOverflow() {
        if !overflowWarned {
            console.warning(
                "the kernel dropped proc connector messages (ENOBUFS); exits are recovered from wait statuses "
                    + "and /proc, and those that cannot be are recorded with an unknown status")
            overflowWarned = true
        }
        for (pid, status) in ProcessControl.reapAll() {
            apply(tree.reaped(pid, status: status, monotonicNs: Clocks.monotonicNs()))
        }
        kernelCounters?.collect()
        let probed = kernelCounters?.exits ?? [:]
        apply(
            tree.resync(monotonicNs: Clocks.monotonicNs()) { node in
                let seen = Self.observe(node.pid, startedNs: node.startedNs)
                // Gone from /proc: the exit probe may still have seen how it ended.
                if seen == .gone, let exit = probed[node.pid], exit.monotonicNs >= node.startedNs { return .probed(exit.status) }
                return seen
            })
        // Processes whose fork message was lost: children of tree members found in /proc.
        for pid in ProcFS.processIDs() where !tree.contains(pid) {
            guard let stat = ProcessReader.stat(pid), tree.contains(stat.ppid) else { continue }
            let started = Self.procStart(stat)
            apply(tree.adopt(pid: pid, parentPid: stat.ppid, startedNs: started, observed: Self.observe(pid, startedNs: started)))
        }
    }

    /// What /proc says of the process that started at `startedNs` under `pid`.
    static func observe(_ pid: Int32, startedNs: UInt64) -> ProcessTree.Observed {
        guard let stat = ProcessReader.stat(pid) else { return .gone }
        let started = procStart(stat)
        guard max(started, startedNs) - min(started, startedNs) < ProcessTree.startTolerance else { return .gone }
        let threads = ProcessReader.liveThreadIDs(pid)
        if stat.state == "Z" && threads.isEmpty { return .exited(stat.exitCode.map { WaitStatus(raw: $0) }) }
        return .running(threads: threads)
    }

    static func procStart(_ stat: ProcStat) -> UInt64 {
        Clocks.monotonicNs(ofStartTicks: stat.startTicks, ticksPerSecond: ProcessReader.ticksPerSecond)
    }

    func apply(_ outputs: [ProcessTree.Output]) {
        for output in outputs {
            switch output {
            case .started(let pid, let parent, let ns):
                kernelCounters?.followNewChild(pid)
                let key = ProcessKey(pid: pid, startedNs: ns)
                let parentDetails = tree.live[parent].flatMap { details[ProcessKey(pid: parent, startedNs: $0.startedNs)] }
                details[key] = parentDetails ?? CommandDetails()
                writer.submit(event(.started, pid: pid, at: clock.wallTime(monotonicNs: ns), parentPid: parent))
            case .exec(let pid, let ns):
                guard let node = tree.live[pid] else { continue }
                // The exec probe read comm and argv inside the exec itself: exact even for a
                // program that is gone by now. /proc is read only for what it did not give (the
                // resolved exe; argv longer than the probe copies; everything without BPF).
                kernelCounters?.collect()
                var comm: String?, exe: String?, argv: [String]?
                if let probed = kernelCounters?.execs[pid], probed.monotonicNs >= node.startedNs {
                    comm = probed.comm
                    exe = ProcFS.link("/proc/\(pid)/exe") ?? probed.filename
                    argv = probed.argvCut ? (ProcessReader.commandLine(pid).argv ?? probed.argv) : probed.argv
                } else {
                    (comm, exe, argv) = ProcessReader.commandLine(pid)
                }
                let key = ProcessKey(pid: pid, startedNs: node.startedNs)
                // A process that already ended keeps what was known of it.
                details[key] = CommandDetails(
                    comm: comm ?? details[key]?.comm, exe: exe ?? details[key]?.exe, argv: argv ?? details[key]?.argv)
                writer.submit(event(.exec, pid: pid, at: clock.wallTime(monotonicNs: ns), detail: exe))
                console.detail("exec \(pid): \(argv?.joined(separator: " ") ?? comm ?? "?")")
            case .ended(let pid, let end):
                samplers[pid] = nil
                kernelCounters?.forget(pid)
                guard let node = tree.finished.last(where: { $0.pid == pid }) else { continue }
                writer.submit(terminated(node, end), urgent: pid == tree.rootPid)
                writer.submit(.process(processRecord(node)))
                if pid == tree.rootPid {
                    // The command's own wait status is the authoritative one: collect it now.
                    for (reapedPid, status) in ProcessControl.reapAll() {
                        apply(tree.reaped(reapedPid, status: status, monotonicNs: Clocks.monotonicNs()))
                    }
                }
            case .corrected(let pid, let end):
                guard let node = tree.finished.last(where: { $0.pid == pid }) else { continue }
                console.detail("wait status of \(pid) corrects the proc connector's: \(end.status?.description ?? "?")")
                writer.submit(terminated(node, end, detail: "wait status, correcting the proc connector's"))
            }
        }
    }

    func sampleAll() {
        for (pid, node) in tree.live {
            // A process gets a sampler once it has lived a whole interval: short ones cost nothing.
            guard Clocks.monotonicNs() - node.startedNs >= options.recording.intervalNs else { continue }
            if samplers[pid] == nil {
                guard let stat = ProcessReader.stat(pid) else { continue }
                samplers[pid] = Sampler(pid: pid, startTicks: stat.startTicks)
            }
            let name = details[ProcessKey(pid: pid, startedNs: node.startedNs)]?.comm ?? "?"
            if var row = samplers[pid]?.sample(appName: appName, processName: name) {
                row.kernel = kernelCounters?.deltas(for: pid)
                writer.submit(.metric(row))
                console.detail("Metrics \(pid) \(name): CPU=\(Watcher.format(row.cpuPercent))% Memory=\(Watcher.format(row.memoryMB))MB")
            }
        }
    }

    func record(_ lines: [TailedLine]) {
        guard !lines.isEmpty else { return }
        writer.submit(lines.map { LogRecord(tailed: $0, appName: appName, processName: options.command[0], pid: tree.rootPid) }.map(Record.log))
        for tailed in lines { console.detail("Log: \(String(decoding: tailed.line.bytes, as: UTF8.self))") }
    }

    func name(of node: ProcessTree.Node) -> String {
        let found = details[ProcessKey(pid: node.pid, startedNs: node.startedNs)]
        return found?.comm ?? found?.argv?.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "?"
    }

    func event(
        _ type: ProcessEventType, pid: Int32, at time: WallTime, parentPid: Int32? = nil, detail: String? = nil
    ) -> Record {
        let node = tree?.live[pid]
        return .event(
            ProcessEventRecord(
                time: time, appName: appName, processName: node.map(name(of:)) ?? options.command[0], pid: pid, type: type,
                parentPid: parentPid, detail: detail))
    }

    func terminated(_ node: ProcessTree.Node, _ end: ProcessEnd, detail: String? = nil) -> Record {
        .event(
            ProcessEventRecord(
                time: clock.wallTime(monotonicNs: end.monotonicNs), appName: appName, processName: name(of: node),
                pid: node.pid, type: .terminated, exitCode: end.status?.shellCode, signal: end.status?.signal,
                coreDumped: end.status.map(\.coreDumped), parentPid: node.parentPid, source: end.source,
                detail: detail ?? end.status?.description ?? "exit status unknown (messages were lost)"))
    }

    func runProcess(_ node: ProcessTree.Node) -> RunProcess {
        let found = details[ProcessKey(pid: node.pid, startedNs: node.startedNs)]
        var process = RunProcess(
            pid: node.pid, parentPid: node.parentPid, comm: found?.comm, exe: found?.exe, argv: found?.argv,
            started: clock.wallTime(monotonicNs: node.startedNs), ended: node.end.map { clock.wallTime(monotonicNs: $0.monotonicNs) },
            status: node.end?.status, statusSource: node.end?.source, execs: node.execs)
        process.isFork = node.execs == 0 && node.pid != tree.rootPid
        return process
    }

    func processRecord(_ node: ProcessTree.Node) -> ProcessRecord {
        let process = runProcess(node)
        return ProcessRecord(
            pid: process.pid, parentPid: process.parentPid, comm: process.comm ?? process.label, exe: process.exe,
            argv: process.argv, started: process.started, ended: process.ended, status: process.status,
            statusSource: process.statusSource, execs: process.execs)
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
            inode: tailed.inode, partial: tailed.line.partial, raw: valid == nil ? bytes : nil)
    }
}
