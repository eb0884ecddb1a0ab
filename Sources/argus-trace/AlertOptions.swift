import ArgumentParser
import ArgusCore
import ArgusKernel
import ArgusRuntime

/// Alert rules and what runs when one fires; part of the recording options (watch and run).
struct AlertOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Alert when the watched whole uses more CPU than this % (Gaze's name; the rule 'cpu > PCT').",
            valueName: "pct"))
    var alertCpu: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Alert when the watched whole's RSS passes this many MB (Gaze's name; the rule 'rss > MB').",
            valueName: "mb"))
    var alertMemory: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An alert rule (repeatable): 'cpu > 80 for 30s', 'rss > 1GiB', 'proc.threads > 500', "
                + "'processes < 2 for 10s', 'exit != 0', 'stall', 'stall d_state', 'log ~ ERROR|FATAL', "
                + "'restarts > 3 in 10m'.", valueName: "rule"))
    var alert: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run this executable on each alert firing: no shell, no arguments, the alert in ARGUS_ALERT_* "
                + "variables; killed after 10 s; one at a time per rule.", valueName: "path"))
    var onAlert: String?

    func validate() throws {
        if let alertCpu, !(alertCpu.isFinite && alertCpu >= 0) {
            throw ValidationError("--alert-cpu must be a percentage, 0 or more (got \(alertCpu))")
        }
        if let alertMemory, !(alertMemory.isFinite && alertMemory >= 0) {
            throw ValidationError("--alert-memory must be a number of MB, 0 or more (got \(alertMemory))")
        }
        _ = try rules()
        if let onAlert {
            if rulesText.isEmpty {
                throw ValidationError("--on-alert needs an alert rule (--alert, --alert-cpu, --alert-memory)")
            }
            guard FileSystem.kind(of: onAlert) == .regularFile, FileSystem.executeError(of: onAlert) == nil else {
                throw ValidationError("--on-alert \(onAlert) is not an executable file")
            }
        }
    }

    /// The rules in the order given: --alert-cpu, --alert-memory, then each --alert.
    var rulesText: [String] {
        (alertCpu.map { ["cpu > \(AlertOptions.number($0))"] } ?? [])
            + (alertMemory.map { ["rss > \(AlertOptions.number($0))"] } ?? []) + alert
    }

    /// Every rule parsed; the first bad one is a one-line error with its position.
    func rules() throws -> [AlertRule] {
        do throws(AlertRuleError) {
            return try rulesText.map { text throws(AlertRuleError) in try AlertRuleParser.parse(text) }
        } catch {
            throw ValidationError("--alert: \(error)")
        }
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 9e15 ? String(Int(value)) : String(value)
    }

    /// Adds the rules and the hook to `settings`.
    func apply(to settings: inout RecordingSettings) {
        settings.alertRules = (try? rules()) ?? []
        settings.alertHook = onAlert
    }
}
