import ArgusCore
import ArgusStore

/// The page's stall section: each stall, and its snapshots (every thread's state, wchan,
/// syscall, kernel and user stack; a timeout's process tree), folded.
extension SessionReport {
    static let maxThreadsShown = 64

    func stallSection(_ snapshots: [Int64: [StallReader.Snapshot]]) -> String {
        var html = "<section id=\"stalls\"><h2>Stalls (\(recording.stalls.count))</h2>"
        guard !recording.stalls.isEmpty else { return html + "<p>No stalls recorded.</p></section>\n" }
        for stall in recording.stalls {
            let ended =
                stall.endedAt.map { "ended \($0) (\(stall.endReason ?? "?"))" } ?? "not ended when the rows were read"
            html += "<div class=\"stall-item\" id=\"stall-\(stall.id)\"><h3>Stall \(stall.id): "
            html +=
                "\(MarkupText.escape(stall.kind)) of \(stall.pid) \(MarkupText.escape(stall.processName ?? "?"))</h3>"
            html += "<p>\(MarkupText.escape(stall.trigger))<br>began \(MarkupText.escape(stall.startedAt)), "
            html += MarkupText.escape(ended)
            if let duration = stall.durationMs { html += ", \(Format.decimal(duration / 1000)) s" }
            html += "</p>"
            for snapshot in snapshots[stall.id] ?? [] { html += snapshotHTML(snapshot) }
            if stall.snapshots > Int64((snapshots[stall.id] ?? []).count) {
                // Not all shown (see SessionReport.stallsWithSnapshots): the command that shows them.
                html += "<p class=\"note\">All \(stall.snapshots) snapshots: argus-trace stalls \(stall.id)</p>"
            }
            html += "</div>"
        }
        return html + "</section>\n"
    }

    private func snapshotHTML(_ snapshot: StallReader.Snapshot) -> String {
        var html = "<details><summary>\(MarkupText.escape(snapshot.type)) snapshot at "
        html += "\(MarkupText.escape(snapshot.capturedAt)): \(snapshot.threads.count) thread(s)"
        if !snapshot.processes.isEmpty { html += ", \(snapshot.processes.count) process(es)" }
        html += "</summary>"
        for (resource, text) in snapshot.pressure {
            html += "<pre>\(resource) pressure: \(MarkupText.escape(text))</pre>"
        }
        if !snapshot.processes.isEmpty {
            html += "<table><tr><th>pid</th><th>parent</th><th>state</th><th>command</th></tr>"
            for process in snapshot.processes {
                let command = process.argv.isEmpty ? (process.name ?? "?") : process.argv.joined(separator: " ")
                html += "<tr><td>\(process.pid)</td><td>\(process.parentPID.map(String.init) ?? "")</td>"
                html += "<td>\(MarkupText.escape(process.state ?? "?"))</td><td>\(MarkupText.escape(command))</td></tr>"
            }
            html += "</table>"
        }
        html += "<table><tr><th>tid</th><th>name</th><th>state</th><th>wchan</th><th>syscall</th><th>stacks</th></tr>"
        for thread in snapshot.threads.prefix(Self.maxThreadsShown) {
            html += "<tr><td>\(thread.tid)</td><td>\(MarkupText.escape(thread.name))</td>"
            html += "<td>\(MarkupText.escape(thread.state))</td><td>\(MarkupText.escape(thread.wchan ?? ""))</td>"
            html += "<td>\(MarkupText.escape(thread.syscall ?? ""))</td><td>"
            if let stack = thread.kernelStack, !stack.isEmpty { html += "<pre>\(MarkupText.escape(stack))</pre>" }
            if let stack = thread.userStack, !stack.isEmpty { html += "<pre>\(MarkupText.escape(stack))</pre>" }
            html += "</td></tr>"
        }
        html += "</table>"
        if snapshot.threads.count > Self.maxThreadsShown {
            html +=
                "<p class=\"note\">\(snapshot.threads.count - Self.maxThreadsShown) more thread(s) in the database.</p>"
        }
        return html + "</details>"
    }
}
