import ArgusCore
import ArgusKernel
import ArgusStore

/// The process tree of a timeout capture, as text and JSON: every process under its parent,
/// with how long it ran, where it is blocked (wchan, top user frames), and each thread's
/// kernel and user stacks.
extension StallReport {
    /// User frames named on a process's "blocked in" line.
    static let summaryFrames = 4

    static func treeText(_ snapshot: StallReader.Snapshot, indent: String) -> String {
        let byPID = Dictionary(snapshot.processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
        let childrenOf = children(snapshot.processes)
        let placed = Set(childrenOf.values.joined())
        var out = ""
        var shown: Set<Int32> = []
        func show(_ pid: Int32, depth: Int) {
            guard let process = byPID[pid], shown.insert(pid).inserted else { return }
            let pad = indent + String(repeating: "   ", count: depth)
            out += processText(process, snapshot, pad: pad, branch: depth > 0 ? "└─ " : "")
            for child in childrenOf[pid] ?? [] { show(child, depth: depth + 1) }
        }
        for process in snapshot.processes where !placed.contains(process.pid) { show(process.pid, depth: 0) }
        // A loop of parents (only a mangled file has one) still shows each process once.
        for process in snapshot.processes { show(process.pid, depth: 0) }
        return out
    }

    /// Each process's children among the captured ones: its `children`, then any whose
    /// parent pid names it, in capture order.
    private static func children(_ processes: [ProcessCapture]) -> [Int32: [Int32]] {
        let known = Set(processes.map(\.pid))
        var children: [Int32: [Int32]] = [:]
        var placed: Set<Int32> = []
        for process in processes {
            for child in process.children where known.contains(child) && child != process.pid {
                if placed.insert(child).inserted { children[process.pid, default: []].append(child) }
            }
        }
        for process in processes {
            if let parent = process.parentPID, known.contains(parent), parent != process.pid,
                placed.insert(process.pid).inserted
            {
                children[parent, default: []].append(process.pid)
            }
        }
        return children
    }

    private static func processText(
        _ process: ProcessCapture, _ snapshot: StallReader.Snapshot, pad: String, branch: String
    ) -> String {
        let command =
            process.argv.isEmpty ? "[\(process.name ?? "?")]" : process.argv.map(shellQuoted).joined(separator: " ")
        var out = "\(pad)\(branch)PID \(process.pid) \(command)\n"
        let body = pad + (branch.isEmpty ? "  " : "     ")
        if let error = process.captureError {
            return out + "\(body)\(error)\n"
        }
        var facts = ["state \(process.state ?? "?")"]
        if let started = process.started {
            facts.append("ran \(Format.decimal((Double(snapshot.capturedNs) - Double(started.nanoseconds)) / 1e9)) s")
        }
        if let cpu = process.cpuNs { facts.append("cpu \(Format.decimal(Double(cpu) / 1e9)) s") }
        if let cwd = process.cwd { facts.append("cwd \(cwd)") }
        out += body + facts.joined(separator: ", ") + "\n"
        let threads = snapshot.threads.filter { $0.pid == process.pid }
        if let main = threads.first(where: { $0.tid == process.pid }) ?? threads.first {
            out += "\(body)blocked in: \(blockedIn(main))\n"
        }
        if let error = process.stackError { out += "\(body)user stacks: \(error)\n" }
        for thread in threads {
            out += "\(body)thread \(thread.tid) \(thread.name) \(thread.state)"
            if let wchan = thread.wchan { out += " wchan=\(wchan)" }
            if let syscall = thread.syscall { out += " syscall=\(syscall.split(separator: " ").first ?? "")" }
            out += "\n"
            for (index, frame) in (thread.kernelStack ?? "").split(separator: "\n").enumerated() {
                out += "\(body)  \(index == 0 ? "kernel:" : "       ") \(frame)\n"
            }
            for (index, frame) in (thread.userStack ?? "").split(separator: "\n").enumerated() {
                out += "\(body)  \(index == 0 ? "user:  " : "       ") \(frame)\n"
            }
        }
        return out
    }

    /// "wchan; top user frames innermost first", e.g. "do_wait; wait4 ← dash+? ← main". Without
    /// a wchan (read as "0" while the thread was briefly awake), the innermost kernel frame.
    static func blockedIn(_ thread: ThreadCapture) -> String {
        let frames = (thread.userStack ?? "").split(separator: "\n").compactMap { UserFrame(parsing: String($0)) }
        let user = frames.prefix(summaryFrames).map(\.shortName).joined(separator: " ← ")
        let kernel =
            thread.wchan ?? innermostKernelFunction(thread.kernelStack) ?? (thread.state == "R" ? "running" : "-")
        return user.isEmpty ? kernel : "\(kernel); \(user)"
    }

    /// "[<0>] hrtimer_nanosleep+0xb5/0x130" → "hrtimer_nanosleep".
    private static func innermostKernelFunction(_ stack: String?) -> String? {
        guard let line = stack?.split(separator: "\n").first else { return nil }
        let frame = line.split(separator: " ").last ?? ""
        let name = frame.prefix { $0 != "+" }
        return name.isEmpty ? nil : String(name)
    }

    /// An argument as a shell would need it: bare when it has only safe characters.
    private static func shellQuoted(_ argument: String) -> String {
        let safe = argument.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "-_./=:,+@%".unicodeScalars.contains($0)
        }
        guard !safe || argument.isEmpty else { return argument }
        return "'" + argument.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    static func processJSON(_ process: ProcessCapture, capturedNs: Int64) -> String {
        let ranNs = process.started.map { started -> String in
            let (ran, overflow) = capturedNs.subtractingReportingOverflow(started.nanoseconds)
            return overflow ? "null" : String(ran)
        }
        return
            "{\"pid\":\(process.pid),\"parent_pid\":\(optional(process.parentPID)),\"name\":\(optional(process.name)),"
            + "\"argv\":\(JSONText.array(process.argv)),\"cwd\":\(optional(process.cwd)),\"state\":\(optional(process.state)),"
            + "\"cpu_ns\":\(optional(process.cpuNs)),\"start_time_ticks\":\(optional(process.startTicks)),"
            + "\"started_ns\":\(optional(process.started?.nanoseconds)),\"ran_ns\":\(ranNs ?? "null"),"
            + "\"children\":[\(process.children.map(String.init).joined(separator: ","))],"
            + "\"stack_error\":\(optional(process.stackError)),\"capture_error\":\(optional(process.captureError))}"
    }
}
