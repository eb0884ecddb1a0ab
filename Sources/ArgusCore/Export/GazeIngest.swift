/// One row as Gaze v0.3's `--server` uploads it: `POST {server}/api/ingest` with one of the
/// spec's three payloads, field for field (gaze-spec.md, "Server Upload").
public enum GazeIngest: Sendable, Equatable {
    /// The columns of Gaze's tables the payloads carry, as stored.
    public struct Common: Sendable, Equatable {
        public var timestamp: String
        public var appName: String
        public var processName: String
        public var processID: Int64
        public var hostname: String?

        public init(timestamp: String, appName: String, processName: String, processID: Int64, hostname: String?) {
            self.timestamp = timestamp
            self.appName = appName
            self.processName = processName
            self.processID = processID
            self.hostname = hostname
        }
    }

    case performanceMetric(Common, cpuPercent: Double, memoryMB: Double, threadCount: Int64)
    case logEntry(Common, logLine: String, logfilePath: String?)
    case processEvent(Common, eventType: String, exitCode: Int64?)

    /// The payload as JSON, members in the spec's order.
    public var json: String {
        var object = JSONObject()
        func common(_ type: String, _ row: Common) {
            object.string("event_type", type)
            object.string("timestamp", row.timestamp)
            object.string("app_name", row.appName)
            object.string("process_name", row.processName)
            object.int("process_id", row.processID)
        }
        let hostname: String?
        switch self {
        case .performanceMetric(let row, let cpu, let memory, let threads):
            common("performance_metric", row)
            object.double("cpu_percent", cpu)
            object.double("memory_mb", memory)
            object.int("thread_count", threads)
            hostname = row.hostname
        case .logEntry(let row, let line, let path):
            common("log_entry", row)
            object.string("log_line", line)
            object.string("logfile_path", orNull: path)
            hostname = row.hostname
        case .processEvent(let row, let type, let exitCode):
            common("process_event", row)
            object.string("process_event_type", type)
            object.int("exit_code", orNull: exitCode)
            hostname = row.hostname
        }
        object.string("hostname", orNull: hostname)
        return object.text
    }
}
