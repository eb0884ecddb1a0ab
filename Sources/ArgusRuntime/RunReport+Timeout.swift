import ArgusCore

/// What the report says when --timeout passed: the processes still running at the deadline, as
/// a tree, with how long each had run and where each was blocked.
extension RunReport {
    var timeoutOutcome: String? { timeout.map { "timed out after \(Format.duration($0.afterNs))" } }

    func timeoutLines(_ timeout: RunTimeout) -> [String] {
        var lines = ["\(Console.prefix) still running at the timeout (\(timeout.processes.count)):"]
        let pids = Set(timeout.processes.map(\.pid))
        let children = Dictionary(grouping: timeout.processes, by: \.parentPid)
        func visit(_ process: TimeoutProcess, depth: Int) {
            lines.append(String(repeating: "  ", count: depth + 1) + Self.describe(process))
            for child in children[process.pid] ?? [] { visit(child, depth: depth + 1) }
        }
        for top in timeout.processes where !pids.contains(top.parentPid) { visit(top, depth: 0) }
        if let note = timeout.note { lines.append("  (\(note))") }
        return lines
    }

    static func describe(_ process: TimeoutProcess) -> String {
        let command = process.command.count > 60 ? String(process.command.prefix(57)) + "..." : process.command
        var text = "\(process.pid) \(command) [\(process.state)]"
        if let ranNs = process.ranNs { text += " ran \(Format.duration(ranNs))" }
        if let wchan = process.wchan { text += ", waiting in \(wchan)" }
        if !process.frames.isEmpty { text += " at " + process.frames.prefix(3).joined(separator: " < ") }
        return text
    }

    /// The capture as plain text, for JUnit's system-err.
    var timeoutText: String? {
        guard let timeout else { return nil }
        var text = "argus-trace: \(timeoutOutcome ?? "timed out"); still running at the deadline:\n"
        for process in timeout.processes {
            text += Self.describe(process) + "\n"
            for thread in process.threads {
                text +=
                    "  thread \(thread.tid) \(thread.name) [\(thread.state)] \(thread.wchan ?? "")"
                    + (thread.syscall.map { " syscall \($0)" } ?? "") + "\n"
                if let stack = thread.kernelStack {
                    text += stack.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
                }
            }
        }
        return text
    }

    /// The capture as a JSON array, for --report.
    var timeoutJSON: String {
        guard let timeout else { return "null" }
        let items = timeout.processes.map { process in
            "{\"pid\":\(process.pid),\"parent_pid\":\(process.parentPid),\"command\":\(JSONText.quote(process.command)),"
                + "\"state\":\(JSONText.quote(process.state)),\"ran_ns\":\(process.ranNs.map(String.init) ?? "null"),"
                + "\"wchan\":\(process.wchan.map(JSONText.quote) ?? "null"),\"frames\":\(JSONText.array(process.frames)),"
                + "\"threads\":["
                + process.threads.map { thread in
                    "{\"tid\":\(thread.tid),\"name\":\(JSONText.quote(thread.name)),\"state\":\(JSONText.quote(thread.state)),"
                        + "\"wchan\":\(thread.wchan.map(JSONText.quote) ?? "null"),"
                        + "\"syscall\":\(thread.syscall.map(JSONText.quote) ?? "null"),"
                        + "\"kernel_stack\":\(thread.kernelStack.map(JSONText.quote) ?? "null")}"
                }.joined(separator: ",") + "]}"
        }
        return "{\"after_ns\":\(timeout.afterNs),\"at\":\(JSONText.quote(timeout.at.iso8601)),"
            + "\"note\":\(timeout.note.map(JSONText.quote) ?? "null"),\"processes\":[" + items.joined(separator: ",")
            + "]}"
    }
}
