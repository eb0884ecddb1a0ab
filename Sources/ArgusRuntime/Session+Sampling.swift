import ArgusCore
import ArgusKernel
import ArgusStore

/// Samples of members from /proc (with the kernel counters' deltas), every interval.
extension Session {
    /// Samples every member that has lived a whole interval (short-lived ones cost nothing)
    /// or was there at attach.
    func sampleMembers() -> [MetricRecord] {
        let now = Clocks.monotonicNs()
        var rows: [MetricRecord] = []
        for pid in table.live.keys.sorted() {
            guard let member = table.live[pid] else { continue }
            if samplers[pid] == nil {
                guard now - min(now, member.startedNs) >= settings.intervalNs, let stat = ProcessReader.stat(pid) else {
                    continue
                }
                samplers[pid] = Sampler(pid: pid, startTicks: stat.startTicks)
            }
            guard var sampler = samplers[pid] else { continue }
            let sampled = sample(pid, with: &sampler, name: member.name)
            samplers[pid] = sampler
            guard let row = sampled else { continue }
            record(sample: row, of: member)
            rows.append(row)
        }
        if scope.isGroup {
            recordGroup(rows, at: WallTime(nanoseconds: Clocks.realtimeNs()))
        } else {
            alertOnGroup(rows, at: WallTime(nanoseconds: Clocks.realtimeNs()))
        }
        return rows
    }

    /// One member's row with the kernel counters' deltas. Each thread's status is read once: by
    /// the counters when they read the member's threads anyway, by the sampler otherwise.
    func sample(_ pid: Int32, with sampler: inout Sampler, name: String) -> MetricRecord? {
        let countersReadThreads = kernelCounters?.readsThreads(of: pid) == true
        guard var row = sampler.sample(appName: appName, processName: name, threadSwitches: !countersReadThreads)
        else { return nil }
        row.kernel = kernelCounters?.deltas(for: pid, sample: &row)
        return row
    }

    /// The group's row and line: how many members, their CPU, memory and threads together, and
    /// how many started and ended since the previous row.
    func recordGroup(_ rows: [MetricRecord], at time: WallTime) {
        let group = groupReading(rows, at: time)
        let (cpu, memory, threads) = (group.cpuPercentTotal, group.memoryMBTotal, group.threadCount)
        submit(.groupSample(group))
        console.info(
            "Metrics: CPU=\(Format.decimal(cpu))% | Memory=\(Format.decimal(memory))MB | Threads=\(threads) | "
                + "Processes=\(table.live.count) (+\(startedSinceGroupRow) -\(endedSinceGroupRow))")
        startedSinceGroupRow = 0
        endedSinceGroupRow = 0
    }

    /// The members' sums and averages at one instant, and who came and went since the last row.
    func groupReading(_ rows: [MetricRecord], at time: WallTime) -> GroupSampleRecord {
        let count = rows.count
        let cpu = rows.reduce(0) { $0 + $1.cpuPercent }
        let memory = rows.reduce(0) { $0 + $1.memoryMB }
        return GroupSampleRecord(
            time: time, appName: appName, generation: generation, processCount: table.live.count,
            cpuPercentTotal: cpu, cpuPercentAverage: count > 0 ? cpu / Double(count) : 0, memoryMBTotal: memory,
            memoryMBAverage: count > 0 ? memory / Double(count) : 0,
            threadCount: rows.reduce(0) { $0 + $1.threadCount },
            processesStarted: startedSinceGroupRow, processesEnded: endedSinceGroupRow)
    }

    func record(sample row: MetricRecord, of member: ProcessTable.Member) {
        samples += 1
        submit(.metric(row))
        guard member.pid == rootPid && scope.echoesRoot && !scope.isGroup else {
            console.detail(
                "Metrics \(member.pid) \(member.name): CPU=\(Format.decimal(row.cpuPercent))% "
                    + "Memory=\(Format.decimal(row.memoryMB))MB")
            return
        }
        console.info(
            "Metrics: CPU=\(Format.decimal(row.cpuPercent))% | Memory=\(Format.decimal(row.memoryMB))MB | "
                + "Threads=\(row.threadCount)")
        console.detail(
            "  VMS=\(Format.decimal(row.vmsMB))MB fds=\(row.openFds.map(String.init) ?? "?") "
                + "faults=\(row.minorFaults)/\(row.majorFaults) ctxsw=\(row.voluntarySwitches ?? 0)/"
                + "\(row.involuntarySwitches ?? 0) io=\(row.readBytes ?? 0)/\(row.writeBytes ?? 0)B state=\(row.state)")
        if let kernel = row.kernel { console.detail(KernelCounterSource.describe(kernel)) }
    }
}

/// Numbers as the console prints them.
enum Format {
    /// One decimal, always shown: 12.0, 3.5.
    static func decimal(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        // Beyond 2^53 a Double has no tenths to show (and Int() would trap past Int.max).
        guard tenths.isFinite, abs(tenths) < 9e15 else { return "\(value)" }
        return tenths == tenths.rounded() ? "\(Int(tenths)).0" : "\(tenths)"
    }

    /// A span for people: 12.3s, 1m30s, 2h05m.
    static func duration(_ ns: UInt64) -> String {
        let seconds = Double(ns) / 1e9
        if seconds < 60 { return decimal(seconds) + "s" }
        let whole = Int(seconds)
        if whole < 3_600 { return "\(whole / 60)m\(pad(whole % 60))s" }
        return "\(whole / 3_600)h\(pad(whole % 3_600 / 60))m"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Whole seconds without decimals, else one decimal.
    static func seconds(_ ns: UInt64) -> String {
        ns % 1_000_000_000 == 0 ? String(ns / 1_000_000_000) : decimal(Double(ns) / 1e9)
    }
}
