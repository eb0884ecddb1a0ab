import ArgusCore
import ArgusKernel

/// --on-alert: the program runs on each firing as git runs a hook: no shell, no arguments, the
/// alert in its environment, stdin on /dev/null, killed at its time limit; on a worker thread,
/// at most one at a time per rule (a firing while the rule's program runs is skipped).
extension Session {
    /// The variables the program gets, beside argus-trace's own environment.
    static func alertEnvironment(_ alert: AlertRecord) -> [String: String] {
        var environment = [
            "ARGUS_ALERT_RULE": alert.rule,
            "ARGUS_ALERT_STATE": "firing",
            "ARGUS_ALERT_ID": String(alert.id),
            "ARGUS_ALERT_DETAIL": alert.detail,
            "ARGUS_ALERT_TIME": alert.fired.iso8601,
            "ARGUS_ALERT_TIME_NS": String(alert.fired.nanoseconds),
            "ARGUS_ALERT_APP": alert.appName,
        ]
        if let value = alert.value { environment["ARGUS_ALERT_VALUE"] = AlertHookText.number(value) }
        if let pid = alert.pid { environment["ARGUS_ALERT_PID"] = String(pid) }
        if let name = alert.processName { environment["ARGUS_ALERT_PROCESS"] = name }
        return environment
    }

    func runAlertHook(_ alert: AlertRecord) {
        guard let path = settings.alertHook else { return }
        guard alertBook.hooksRunning.insert(alert.ruleIndex).inserted else {
            alertBook.hooksSkipped += 1
            console.detail("--on-alert: not run for '\(alert.rule)': its program still runs")
            return
        }
        let environment = Self.alertEnvironment(alert)
        let timeoutNs = settings.alertHookTimeoutNs
        let rule = alert.ruleIndex
        background.run(
            { () -> Result<ProgramOutput, Errno> in
                do throws(Errno) {
                    return .success(
                        try ProcessControl.run(
                            path, arguments: [path], timeoutNs: timeoutNs, outputLimit: 64 << 10,
                            environment: environment))
                } catch {
                    return .failure(error)
                }
            },
            then: { [unowned self] result in
                alertBook.hooksRunning.remove(rule)
                reportAlertHook(path, result, timeoutNs: timeoutNs)
            })
    }

    private func reportAlertHook(_ path: String, _ result: Result<ProgramOutput, Errno>, timeoutNs: UInt64) {
        switch result {
        case .failure(let error):
            console.warning("--on-alert \(path) could not run: \(error)")
        case .success(let output):
            let text = String(decoding: output.errorOutput + output.output, as: UTF8.self)
            for line in text.split(whereSeparator: \.isNewline).prefix(20) { console.detail("on-alert: \(line)") }
            if output.timedOut {
                console.warning("--on-alert \(path) was killed after \(Format.duration(timeoutNs))")
            } else if let status = output.status, status.shellCode != 0 {
                console.warning("--on-alert \(path) failed: \(status)")
            }
        }
    }
}

/// Values in the hook's environment: whole numbers without a fraction.
enum AlertHookText {
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 9e15 ? String(Int(value)) : String(value)
    }
}
