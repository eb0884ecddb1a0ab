import ArgusCore
import ArgusKernel
import ArgusStore

/// Members joining and leaving: the process table's outputs turned into rows and lines.
extension Session {
    /// How a process joins as a member (the root or another): found running, or started by
    /// argus-trace.
    struct MemberArrival {
        var pid: Int32
        var parentPid: Int32
        var startedNs: UInt64
        var startTicks: UInt64?
        var command: CommandIdentity
        /// Threads read from /proc; the end is then confirmed by a pidfd.
        var threadsFromProc: Set<Int32>?
    }

    /// Makes `arrival` the scope's root: its pidfd, the kernel's in-kernel filter, the counters,
    /// the first sample, the stall ring, and the sample timer. False when it
    /// is gone already.
    func attach(_ arrival: MemberArrival) -> Bool {
        // The scope says it, as it knows whether that ends the session.
        guard join(arrival, isRoot: true) else { return false }
        let pid = arrival.pid
        guard let member = table.live[pid] else { return false }
        if appName.isEmpty { appName = member.name }
        // The kernel-side filter drops every event of other processes: only when no other
        // process can ever matter (no tree, no next incarnation to wait for).
        if member.confirmsEndWithPidfd && !scope.followsChildren && !scope.followsRestarts {
            do {
                try procEvents?.keepOnly(tgid: pid)
            } catch {
                console.detail("Could not filter proc events in the kernel (\(error)); filtering in user space")
            }
        }
        if member.confirmsEndWithPidfd, let startTicks = arrival.startTicks {
            // Attached to a running process: its first sample now (CPU % since it started, as ps).
            var sampler = Sampler(pid: pid, startTicks: startTicks)
            let first = sample(pid, with: &sampler, name: member.name)
            samplers[pid] = sampler
            reportUnreadable(sampler, pid: pid)
            if let first { pendingFirstSample = first }
        }
        startStalls(root: member)
        do {
            try sampleTimer.arm(firstNs: settings.intervalNs, intervalNs: settings.intervalNs)
        } catch {
            console.warning("cannot arm the sample timer (\(error)); no periodic samples")
        }
        lastLogLineNs = Clocks.monotonicNs()
        return true
    }

    /// Adds a process as a member: the root, or one found beside it (a descendant at attach, a
    /// process in the watched cgroup). One attached from /proc gets a pidfd, which confirms its
    /// end. False when it is gone already.
    @discardableResult
    func join(_ arrival: MemberArrival, isRoot: Bool) -> Bool {
        let pid = arrival.pid
        var member = ProcessTable.Member(
            pid: pid, parentPid: arrival.parentPid, startedNs: arrival.startedNs,
            threads: arrival.threadsFromProc ?? [pid], confirmsEndWithPidfd: arrival.threadsFromProc != nil,
            command: arrival.command)
        member.startTicks = arrival.startTicks
        if member.confirmsEndWithPidfd {
            do {
                let handle = try ProcessHandle(pid: pid)
                // The pidfd names whatever had this pid when it was opened: make sure that is the process.
                guard ProcessReader.stat(pid)?.startTicks == arrival.startTicks else { throw Errno.noSuchProcess }
                try epoll.watchReadable(handle.descriptor.rawValue, token: Token.pidfdBase + UInt64(UInt32(pid)))
                pidfds[pid] = handle
            } catch {
                return false
            }
        }
        table.add(member, isRoot: isRoot)
        if isRoot && scope.followsChildren { kernelCounters?.stopWatchingSelf() }
        kernelCounters?.watch(pid)
        return true
    }

    /// A running process as it is now, to join the session.
    static func arrival(of pid: Int32, parentPid: Int32? = nil) -> MemberArrival? {
        guard let stat = ProcessReader.stat(pid), ProcessReader.isAlive(pid, stat: stat) else { return nil }
        let read = ProcessReader.commandLine(pid)
        return MemberArrival(
            pid: pid, parentPid: parentPid ?? stat.ppid,
            startedNs: Clocks.monotonicNs(ofStartTicks: stat.startTicks, ticksPerSecond: ProcessReader.ticksPerSecond),
            startTicks: stat.startTicks, command: CommandIdentity(comm: stat.comm, exe: read.exe, argv: read.argv),
            threadsFromProc: ProcessReader.liveThreadIDs(pid))
    }

    /// The rows that say the root is watched, once the scope printed its header: the session's
    /// target, the root's start (when seen), `monitoring_started`, and the first sample.
    func recordAttached(at attachedAt: WallTime, started: UInt64?, startedDetail: String?) {
        guard let root = table.root else { return }
        submit(
            .session(
                SessionUpdate(appName: appName, targetPid: root.pid, targetName: root.command.argv?.first ?? root.name))
        )
        if let started {
            submit(event(.started, of: root, at: clock.wallTime(monotonicNs: started), detail: startedDetail))
        }
        submit(event(.monitoringStarted, of: root, at: attachedAt))
        recordFirstSample(of: root)
    }

    /// The root's first sample, taken at attach, once the rows saying it is watched are in.
    func recordFirstSample(of root: ProcessTable.Member) {
        guard let first = pendingFirstSample else { return }
        pendingFirstSample = nil
        record(sample: first, of: root)
    }

    private func reportUnreadable(_ sampler: Sampler, pid: Int32) {
        guard !sampler.files.unreadable.isEmpty else { return }
        console.warning(
            "not permitted to read \(sampler.files.unreadable.joined(separator: ", ")) of process \(pid)"
                + (HostFacts.isRoot ? "" : " (run as root or as the process's user)") + "; those columns stay empty")
    }

    func drainEvents() {
        guard let procEvents else { return }
        do {
            let overflowed = try procEvents.drain { event in
                scope.observe(event, self)
                apply(table.apply(event))
            }
            if overflowed { recoverFromOverflow() }
        } catch {
            console.warning("reading the proc connector failed: \(error)")
        }
    }

    func apply(_ outputs: [ProcessTable.Output]) {
        for output in outputs {
            switch output {
            case .started(let member):
                startedSinceGroupRow += 1
                kernelCounters?.followNewChild(member.pid)
                submit(
                    event(
                        .started, of: member, at: clock.wallTime(monotonicNs: member.startedNs),
                        parentPid: member.parentPid))
            case .threadStarted(let pid, let tid):
                console.detail("Thread started: \(tid)\(pid == rootPid ? "" : " (process \(pid))")")
            case .threadEnded(let pid, let tid):
                console.detail("Thread exited: \(tid)\(pid == rootPid ? "" : " (process \(pid))")")
            case .exec(let pid, let ns):
                execed(pid, at: ns)
            case .renamed:
                break
            case .threadsGone(let pid):
                threadsGone(pid)
            case .ended(let member):
                ended(member)
            case .corrected(let member):
                console.detail(
                    "wait status of \(member.pid) corrects the proc connector's: \(member.end?.status?.description ?? "?")"
                )
                if let end = member.end {
                    submit(terminated(member, end, detail: "wait status, correcting the proc connector's"))
                }
                scope.memberEnded(member, corrected: true, self)
            }
        }
    }

    /// A member ran a new program: its name, executable and argv from the exec probe (read in
    /// the exec itself: exact even for a program that is gone by now), else from /proc.
    private func execed(_ pid: Int32, at ns: UInt64) {
        guard let member = table.live[pid] else { return }
        kernelCounters?.collect()
        var command = member.command
        if let probed = kernelCounters?.execs[pid], probed.monotonicNs >= member.startedNs {
            command.comm = probed.comm
            command.exe = ProcFS.link("/proc/\(pid)/exe") ?? probed.filename
            command.argv = probed.argvCut ? (ProcessReader.commandLine(pid).argv ?? probed.argv) : probed.argv
        } else {
            let read = ProcessReader.commandLine(pid)
            // A process that already ended keeps what was known of it.
            command = CommandIdentity(
                comm: read.comm ?? command.comm, exe: read.exe ?? command.exe, argv: read.argv ?? command.argv)
        }
        table.setCommand(command, of: pid)
        guard let updated = table.live[pid] else { return }
        submit(event(.exec, of: updated, at: clock.wallTime(monotonicNs: ns), detail: command.exe))
        if pid == rootPid && scope.echoesRoot {
            console.info("Process exec: \(updated.name)\(command.exe.map { " (\($0))" } ?? "")")
        } else {
            console.detail("exec \(pid): \(command.argv?.joined(separator: " ") ?? updated.name)")
        }
    }

    /// Every known thread of a pidfd-confirmed member exited: the pidfd says whether the group
    /// is gone, else a thread we never heard of is alive (its fork message was lost).
    private func threadsGone(_ pid: Int32) {
        if pidfds[pid]?.hasExited ?? true {
            groupGone(pid)
        } else {
            _ = table.resync(
                [
                    ProcessTable.Observation(
                        pid: pid, startedNs: table.live[pid]?.startedNs ?? 0,
                        observed: .running(threads: ProcessReader.liveThreadIDs(pid)))
                ],
                monotonicNs: Clocks.monotonicNs())
        }
    }

    func pidfdReadable(_ pid: Int32) {
        if let handle = pidfds[pid] { try? epoll.unwatch(handle.descriptor.rawValue) }
        groupGone(pid)
    }

    /// The kernel says the member's whole group is gone: end it now if its last exit message is
    /// in, else give that message a moment.
    private func groupGone(_ pid: Int32) {
        apply(table.groupExited(pid))
        guard table.contains(pid) else { return }
        awaitingStatus.insert(pid)
        try? statusTimer.arm(firstNs: procEvents == nil ? 1 : statusGraceNs)
    }

    /// The last exit message never came: the exit probe's status, else the zombie's.
    func statusDeadlinePassed() {
        kernelCounters?.collect()
        let now = Clocks.monotonicNs()
        for pid in awaitingStatus.sorted() {
            guard let member = table.live[pid] else { continue }
            var fallback: ProcessEnd?
            if let probed = kernelCounters?.exits[pid], probed.monotonicNs >= member.startedNs {
                fallback = ProcessEnd(status: probed.status, monotonicNs: probed.monotonicNs, source: "bpf")
            } else if let status = Self.zombieStatus(pid, startTicks: member.startTicks) {
                fallback = ProcessEnd(status: status, monotonicNs: now, source: "proc_stat")
            }
            apply(table.statusDeadlinePassed(pid, monotonicNs: now, fallback: fallback))
        }
        awaitingStatus.removeAll()
    }

    /// waitpid for every child that ended (the spawned root, adopted orphans).
    func reapChildren() {
        guard scope.reaps else { return }
        for (pid, status) in ProcessControl.reapAll() {
            apply(table.reaped(pid, status: status, monotonicNs: Clocks.monotonicNs()))
        }
    }

    /// A member ended: its rows first (the root's committed at once, and its line printed),
    /// then the bookkeeping.
    private func ended(_ member: ProcessTable.Member) {
        guard let end = member.end else { return }
        let isRoot = member.pid == rootPid
        endedSinceGroupRow += 1
        samplers[member.pid] = nil
        awaitingStatus.remove(member.pid)
        if let handle = pidfds.removeValue(forKey: member.pid) { try? epoll.unwatch(handle.descriptor.rawValue) }
        // The root's line first (what a person waits for), then its row, committed at once.
        scope.memberEnded(member, corrected: false, self)
        if isRoot { kernelCounters?.collect() }  // the exit probe's entry precedes the proc connector's
        let probed = kernelCounters?.exits[member.pid].flatMap { $0.monotonicNs >= member.startedNs ? $0.status : nil }
        exportFinalReading(of: member)
        submit([terminated(member, end, probed: probed), .process(processRecord(member))], urgent: isRoot)
        if let probed, let status = end.status, probed != status {
            console.warning(
                "the BPF exit probe saw \(probed) where the \(end.source) said \(status) (process \(member.pid))")
        }
        kernelCounters?.forget(member.pid)
        if isRoot && scope.reaps { reapChildren() }  // the command's own wait status is the authoritative one
    }

    /// The raw wait status in a zombie's /proc/PID/stat, while its parent has not reaped it.
    static func zombieStatus(_ pid: Int32, startTicks: UInt64?) -> WaitStatus? {
        guard let stat = ProcessReader.stat(pid), startTicks == nil || stat.startTicks == startTicks,
            stat.state == "Z", let code = stat.exitCode
        else { return nil }
        return WaitStatus(raw: code)
    }
}
