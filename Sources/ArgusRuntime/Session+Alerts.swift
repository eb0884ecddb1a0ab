import ArgusCore
import ArgusKernel

/// What the session keeps about alerts beside the evaluator: when each firing alert fired (for
/// its clearing line), and which rules have their --on-alert program running.
struct AlertBook {
    var firedAt: [Int: WallTime] = [:]
    var hooksRunning: Set<Int> = []
    /// Firings whose program was not run because the rule's previous one still ran.
    var hooksSkipped = 0
}

/// Alert rules, evaluated on every record on its way to the sinks (`submit`), in every mode.
extension Session {
    /// The alerts `records` start or end, announced (console line, --on-alert) before they join
    /// the records.
    func evaluateAlerts(_ records: [Record]) -> [Record] {
        guard alerts != nil else { return [] }
        let alerted = alerts!.observe(records)
        announce(alerted)
        return alerted
    }

    /// Where no group rows are recorded (one process, `run`), the rules on the watched whole
    /// still get a reading of it at every sample.
    func alertOnGroup(_ rows: [MetricRecord], at time: WallTime) {
        guard let alerts, alerts.needsGroupReadings else { return }
        submit(evaluateAlerts([.groupSample(groupReading(rows, at: time))]))
    }

    /// At the end: alerts still firing clear ("watching stopped"), and --on-alert programs still
    /// running are waited for (each is killed at its time limit).
    func finishAlerts() {
        guard alerts != nil else { return }
        submit(alerts!.finish(at: WallTime(nanoseconds: Clocks.realtimeNs())), urgent: true)
        if !alertBook.hooksRunning.isEmpty {
            background.settle(timeoutNs: settings.alertHookTimeoutNs + 1_000_000_000)
        }
        if alertBook.hooksSkipped > 0 {
            console.detail("--on-alert: \(alertBook.hooksSkipped) firing(s) not run: the rule's program still ran")
        }
    }

    private func announce(_ alerted: [Record]) {
        for record in alerted {
            switch record {
            case .alert(let alert):
                let subject = alert.pid.map { " (process \($0)\(alert.processName.map { " \($0)" } ?? ""))" } ?? ""
                console.alert("ALERT \(alert.rule): \(alert.detail)\(alert.isInstant ? "" : subject)")
                if !alert.isInstant { alertBook.firedAt[alert.id] = alert.fired }
                runAlertHook(alert)
            case .alertCleared(let clear):
                let fired = alertBook.firedAt.removeValue(forKey: clear.id)
                let lasted = fired.map {
                    " after " + Format.duration(UInt64(max(clear.cleared.nanoseconds - $0.nanoseconds, 0)))
                }
                console.alert("ALERT cleared \(clear.rule): \(clear.reason)\(lasted ?? "")")
            default:
                break
            }
        }
    }
}
