import ArgusCore

/// The machine-readable forms of a run's report.
extension RunReport {
    /// `--report FILE.json`: the command, its outcome and every process.
    func json() -> String {
        func field(_ name: String, _ value: String?) -> String { "\(JSONText.quote(name)):\(value ?? "null")" }
        func number<T: BinaryInteger>(_ value: T?) -> String? { value.map { String($0) } }
        func string(_ value: String?) -> String? { value.map(JSONText.quote) }

        let items = processes.map { process in
            "{"
                + [
                    field("pid", number(process.pid)), field("parent_pid", number(process.parentPid)),
                    field("comm", string(process.comm)), field("exe", string(process.exe)),
                    field("argv", process.argv.map(JSONText.array)),
                    field("started_at", string(process.started.iso8601)),
                    field("ended_at", string(process.ended?.iso8601)),
                    field("duration_ns", number(process.durationNs)),
                    field("exit_code", number(process.status?.shellCode)),
                    field("signal", number(process.status?.signal)),
                    field("core_dumped", process.status.map { $0.coreDumped ? "true" : "false" }),
                    field("outcome", string(process.outcome)), field("status_source", string(process.statusSource)),
                    field("execs", number(process.execs)),
                ].joined(separator: ",") + "}"
        }
        let failed = processes.filter(\.failed).count
        let running = processes.filter { $0.ended == nil }.count
        return "{"
            + [
                field("command", JSONText.array(command)),
                field("exit_code", number(root?.status?.shellCode)), field("signal", number(root?.status?.signal)),
                field("outcome", string(root?.outcome)),
                field("started_at", string(started.iso8601)), field("ended_at", string(ended.iso8601)),
                field("duration_ns", number(ended.nanoseconds - started.nanoseconds)),
                field("process_count", number(processCount)), field("failed_count", number(failed + notListedFailed)),
                field("processes_not_listed", number(notListedSucceeded + notListedFailed)),
                field("timed_out", timeout == nil ? "false" : "true"), field("timeout", timeoutJSON),
                field("still_running_count", number(running)), field("proc_connector_overflows", number(overflows)),
                field("processes", "[\n" + items.joined(separator: ",\n") + "\n]"),
            ].joined(separator: ",\n") + "}\n"
    }

    /// `--junit FILE.xml`: one test case per process that ran a program (and the command), a
    /// failure for each that exited non-zero, died by a signal or ended unknown.
    func junit() -> String {
        let cases = processes.enumerated().filter {
            $0.offset == rootIndex || $0.element.execs > 0 || $0.element.failed
        }
        .map(\.element)
        let rootCase = rootIndex.map { processes[$0] }
        let timedOutRoot = { (process: RunProcess) in
            timeout != nil && process.pid == rootCase?.pid && process.started == rootCase?.started
        }
        let failures = cases.filter { $0.failed || ($0.status == nil && $0.ended != nil) || timedOutRoot($0) }.count
        let seconds = Double(ended.nanoseconds - started.nanoseconds) / 1e9
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += "<testsuites tests=\"\(cases.count)\" failures=\"\(failures)\" time=\"\(seconds)\">\n"
        xml += "  <testsuite name=\"\(MarkupText.escape("argus-trace run: " + command.joined(separator: " ")))\" "
        xml += "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" time=\"\(seconds)\" "
        xml += "timestamp=\"\(started.iso8601)\">\n"
        for process in cases {
            let time = Double(process.durationNs ?? 0) / 1e9
            xml += "    <testcase classname=\"\(MarkupText.escape(process.exe ?? process.label))\" "
            xml += "name=\"\(MarkupText.escape("\(process.pid) \(process.commandText)"))\" time=\"\(time)\""
            if timedOutRoot(process) {
                // The run timed out: the command's case fails with that, and carries the capture.
                let message = (timeoutOutcome ?? "timed out") + ", then " + process.outcome
                xml += ">\n      <failure message=\"\(MarkupText.escape(message))\" type=\"timeout\"/>\n"
                xml += "      <system-err>\(MarkupText.escape(timeoutText ?? ""))</system-err>\n    </testcase>\n"
            } else if process.failed || (process.status == nil && process.ended != nil) {
                xml +=
                    ">\n      <failure message=\"\(MarkupText.escape(process.outcome))\" type=\"\(process.status?.signal != nil ? "signal" : "exit")\"/>\n"
                xml += "    </testcase>\n"
            } else if process.ended == nil {
                xml += ">\n      <skipped message=\"still running when argus-trace stopped\"/>\n    </testcase>\n"
            } else {
                xml += "/>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }
}
