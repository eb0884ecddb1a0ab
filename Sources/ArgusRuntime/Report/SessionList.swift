import ArgusCore
import ArgusStore

/// `argus-trace sessions`: one line (or JSON object) per recorded session.
public enum SessionList {
    public static func text(_ sessions: [RecordedSession]) -> String {
        guard !sessions.isEmpty else { return "No sessions recorded.\n" }
        var rows = [
            ["ID", "MODE", "HOST", "STARTED", "DURATION", "ENDED", "SAMPLES", "PROCESSES", "LOGS", "STALLS", "TARGET"]
        ]
        for session in sessions {
            let target = session.commandOrTarget
            rows.append([
                String(session.id), session.mode, session.hostname ?? "?", session.startedAt,
                RunReport.seconds(session.durationNs), ending(session), String(session.counts.samples),
                String(session.counts.processes), String(session.counts.logLines), String(session.counts.stalls),
                target.count > 60 ? String(target.prefix(57)) + "..." : target,
            ])
        }
        return StallReport.table(rows)
    }

    public static func json(_ sessions: [RecordedSession]) -> String {
        "[" + sessions.map(json).joined(separator: ",\n") + "]\n"
    }

    /// "exit 0", "killed by SIGTERM", "recording", or the end reason when no status was seen.
    static func ending(_ session: RecordedSession) -> String {
        guard session.endedNs != nil else { return "recording" }
        if let status = session.targetStatus { return RunReport.outcome(of: status) }
        return session.endReason ?? "ended"
    }

    static func json(_ session: RecordedSession) -> String {
        func string(_ text: String?) -> String { StallReport.optional(text) }
        func number(_ value: Int64?) -> String { StallReport.optional(value) }
        let status = session.targetStatus
        let fields: [(String, String)] = [
            ("id", String(session.id)), ("mode", string(session.mode)),
            ("target", string(session.commandOrTarget)), ("arguments", JSONText.array(session.arguments)),
            ("target_pid", number(session.targetPid)), ("target_name", string(session.targetName)),
            ("app_name", string(session.appName)), ("hostname", string(session.hostname)),
            ("kernel", string(session.kernel)), ("version", string(session.version)),
            ("started_at", string(session.startedAt)), ("started_ns", String(session.startedNs)),
            ("ended_at", string(session.endedAt)), ("ended_ns", number(session.endedNs)),
            ("duration_ns", String(session.durationNs)), ("recording", session.endedNs == nil ? "true" : "false"),
            ("end_reason", string(session.endReason)), ("ending", string(ending(session))),
            ("exit_code", StallReport.optional(status?.shellCode)), ("signal", StallReport.optional(status?.signal)),
            ("restarts", number(session.restarts)), ("proc_connector_overflows", number(session.eventOverflows)),
            ("bpf_events_lost", number(session.bpfEventsLost)), ("rows_unsaved", number(session.rowsUnsaved)),
            ("samples", String(session.counts.samples)), ("processes", String(session.counts.processes)),
            ("log_lines", String(session.counts.logLines)), ("stalls", String(session.counts.stalls)),
        ]
        return "{" + fields.map { "\(JSONText.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}
