import ArgusCore

/// One process of a run, as reported at its end.
struct RunProcess: Sendable {
    var pid: Int32
    var parentPid: Int32
    var comm: String?
    var exe: String?
    var argv: [String]?
    var started: WallTime
    var ended: WallTime?
    var status: WaitStatus?
    var statusSource: String?
    var execs: Int

    var label: String { comm ?? exe?.split(separator: "/").last.map(String.init) ?? argv?.first ?? "?" }

    var durationNs: Int64? { ended.map { $0.nanoseconds - started.nanoseconds } }

    var failed: Bool { status.map { $0.shellCode != 0 } ?? false }

    /// "exit 3", "killed by SIGKILL", "still running", "status unknown".
    var outcome: String {
        if let status { return RunReport.outcome(of: status) }
        return ended == nil ? "still running" : "status unknown (\(statusSource ?? "lost"))"
    }

    /// Set for a process that never exec'd: it runs its parent's program.
    var isFork = false

    var commandText: String {
        if isFork { return "\(label) (fork)" }
        guard let argv, !argv.isEmpty else { return label }
        let text = argv.joined(separator: " ")
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}

extension RunProcess {
    /// A process of the run as its `processes` row says.
    init(_ row: ProcessRecord, isFork: Bool) {
        self.init(
            pid: row.pid, parentPid: row.parentPid, comm: row.comm, exe: row.exe, argv: row.argv, started: row.started,
            ended: row.ended, status: row.status, statusSource: row.statusSource, execs: row.execs)
        self.isFork = isFork
    }
}

/// The end-of-run summary (stderr), the JSON report and the JUnit XML, from the same data.
struct RunReport {
    let command: [String]
    let processes: [RunProcess]
    let rootIndex: Int?
    let started: WallTime
    let ended: WallTime
    let overflows: Int
    /// Processes left out of `processes` to bound memory (all are in the database).
    var notListedSucceeded = 0
    var notListedFailed = 0
    /// The longest-running processes of the whole run, listed or not.
    var longest: [RunProcess]? = nil
    /// What was running when --timeout passed.
    var timeout: RunTimeout? = nil

    var processCount: Int { processes.count + notListedSucceeded + notListedFailed }

    static let maxTreeLines = 40
    static let collapseAbove = 3

    var root: RunProcess? { rootIndex.map { processes[$0] } }

    /// Children of each process, by index, pairing each child with the newest process of its
    /// parent's pid that started before it (pids are reused in long runs).
    var children: [Int: [Int]] { Self.children(of: processes) }

    /// The children of each of `processes` (in the order they started), by index.
    static func children(of processes: [RunProcess]) -> [Int: [Int]] {
        var latest: [Int32: Int] = [:]
        var children: [Int: [Int]] = [:]
        for (index, process) in processes.enumerated() {
            if let parent = latest[process.parentPid] { children[parent, default: []].append(index) }
            latest[process.pid] = index
        }
        return children
    }

    /// Siblings running the same program, which collapse into one line when there are many.
    static func siblingKey(_ process: RunProcess) -> String { process.label + "\u{0}" + (process.exe ?? "") }

    func summary() -> String {
        let failed = processes.filter(\.failed)
        let signaled = processes.filter { $0.status?.signal != nil }
        let unknown = processes.filter { $0.status == nil && $0.ended != nil }
        let running = processes.filter { $0.ended == nil }
        let ok = processes.count - failed.count - unknown.count - running.count + notListedSucceeded
        let seconds = Self.seconds(ended.nanoseconds - started.nanoseconds)
        var lines = [
            "",
            "\(Console.prefix) run summary: \(command.joined(separator: " ")) -> \(timeoutOutcome.map { $0 + ", then " } ?? "")\(root?.outcome ?? "not started") after \(seconds)",
            "\(Console.prefix) processes: \(processCount) (\(ok) exited 0, "
                + "\(failed.count - signaled.count + notListedFailed) failed, "
                + "\(signaled.count) killed by a signal, \(unknown.count) unknown, \(running.count) still running)",
        ]
        if overflows > 0 {
            lines.append(
                "\(Console.prefix) the kernel dropped proc connector messages \(overflows) time(s): see 'unknown'")
        }
        if let timeout { lines += timeoutLines(timeout) }
        lines.append("\(Console.prefix) tree:")
        lines += treeLines()
        if !failed.isEmpty || !unknown.isEmpty {
            lines.append("\(Console.prefix) failed or killed (\(failed.count + unknown.count)):")
            for process in (failed + unknown).prefix(20) { lines.append("  " + Self.describe(process)) }
            if failed.count + unknown.count > 20 { lines.append("  ... \(failed.count + unknown.count - 20) more") }
        }
        if !running.isEmpty {
            lines.append("\(Console.prefix) still running (\(running.count)):")
            for process in running.prefix(20) { lines.append("  " + Self.describe(process)) }
        }
        let longest =
            self.longest?.prefix(3)
            ?? processes.filter { $0.durationNs != nil }.sorted { $0.durationNs! > $1.durationNs! }.prefix(3)
        if !longest.isEmpty {
            lines.append("\(Console.prefix) longest-running:")
            for process in longest { lines.append("  " + Self.describe(process)) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func treeLines() -> [String] {
        guard let rootIndex else { return [] }
        let children = self.children
        var lines: [String] = []
        var omitted = 0

        func descendants(_ index: Int) -> Int {
            (children[index] ?? []).reduce(0) { $0 + 1 + descendants($1) }
        }

        func visit(_ index: Int, prefix: String, isLast: Bool, isRoot: Bool) {
            guard lines.count < Self.maxTreeLines else {
                omitted += 1 + descendants(index)
                return
            }
            let branch = isRoot ? "  " : prefix + (isLast ? "└─ " : "├─ ")
            lines.append(branch + Self.describe(processes[index]))
            let childPrefix = isRoot ? "  " : prefix + (isLast ? "   " : "│  ")
            // Siblings running the same program collapse into one line when there are many.
            var groups: [(key: String, members: [Int])] = []
            for child in children[index] ?? [] {
                let key = Self.siblingKey(processes[child])
                if let position = groups.firstIndex(where: { $0.key == key }) {
                    groups[position].members.append(child)
                } else {
                    groups.append((key, [child]))
                }
            }
            let visible = groups.flatMap { $0.members.count > Self.collapseAbove ? [$0.members[0]] : $0.members }
            for (offset, group) in groups.enumerated() {
                let lastGroup = offset == groups.count - 1
                if group.members.count > Self.collapseAbove {
                    guard lines.count < Self.maxTreeLines else {
                        omitted += group.members.reduce(0) { $0 + 1 + descendants($1) }
                        continue
                    }
                    let nested = group.members.reduce(0) { $0 + descendants($1) }
                    lines.append(
                        childPrefix + (lastGroup ? "└─ " : "├─ ")
                            + "\(group.members.count) × \(processes[group.members[0]].label) "
                            + "(\(outcomes(group.members)))" + (nested > 0 ? " and \(nested) descendant(s)" : ""))
                } else {
                    for member in group.members {
                        visit(member, prefix: childPrefix, isLast: member == visible.last, isRoot: false)
                    }
                }
            }
        }

        visit(rootIndex, prefix: "", isLast: true, isRoot: true)
        omitted += notListedSucceeded + notListedFailed
        if omitted > 0 { lines.append("  ... \(omitted) more process(es) (see the database or --report)") }
        return lines
    }

    private func outcomes(_ members: [Int]) -> String { Self.outcomes(members.map { processes[$0] }) }

    /// "exit 0 ×12, killed by SIGTERM ×1": how a group of siblings ended.
    static func outcomes(_ members: [RunProcess]) -> String {
        var counts: [(String, Int)] = []
        for member in members {
            let outcome = member.outcome
            if let position = counts.firstIndex(where: { $0.0 == outcome }) {
                counts[position].1 += 1
            } else {
                counts.append((outcome, 1))
            }
        }
        return counts.map { "\($0.0) ×\($0.1)" }.joined(separator: ", ")
    }

    static func describe(_ process: RunProcess) -> String {
        let duration = process.durationNs.map { " (\(seconds($0)))" } ?? ""
        return "\(process.pid) \(process.commandText) -> \(process.outcome)\(duration)"
    }

    /// "exit 3", "killed by SIGKILL (core)".
    static func outcome(of status: WaitStatus) -> String {
        if let signal = status.signal {
            return "killed by \(SignalName.of(signal))\(status.coreDumped ? " (core)" : "")"
        }
        return "exit \(status.exitStatus ?? 0)"
    }

    static func seconds(_ ns: Int64) -> String {
        let value = Double(ns) / 1e9
        return value < 10 ? "\(Double(Int(value * 1000)) / 1000) s" : "\(Double(Int(value * 10)) / 10) s"
    }
}
