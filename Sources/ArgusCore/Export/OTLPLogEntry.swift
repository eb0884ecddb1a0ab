/// One OTLP log record: a followed log's line, a process event (an exit with its status, a
/// restart), a stall or an alert (firing, cleared), with the process it is about.
public struct OTLPLogEntry: Sendable, Equatable {
    public enum Severity: Int, Sendable {
        /// SEVERITY_NUMBER_UNSPECIFIED: a log line, whose level argus-trace does not parse.
        case unspecified = 0
        case info = 9
        case warn = 13

        var text: String? {
            switch self {
            case .unspecified: nil
            case .info: "INFO"
            case .warn: "WARN"
            }
        }
    }

    public enum Value: Sendable, Equatable {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
    }

    public var time: WallTime
    public var severity: Severity
    public var body: String
    /// The record's event name (OTLP LogRecord.event_name), for events and stalls.
    public var eventName: String?
    public var attributes: [(String, Value)]
    /// The pid the record is about, whose resource it goes under; nil for none.
    public var pid: Int32?

    public init(
        time: WallTime, severity: Severity, body: String, eventName: String? = nil,
        attributes: [(String, Value)] = [], pid: Int32?
    ) {
        self.time = time
        self.severity = severity
        self.body = body
        self.eventName = eventName
        self.attributes = attributes
        self.pid = pid
    }

    public static func == (lhs: OTLPLogEntry, rhs: OTLPLogEntry) -> Bool {
        lhs.time == rhs.time && lhs.severity == rhs.severity && lhs.body == rhs.body && lhs.eventName == rhs.eventName
            && lhs.pid == rhs.pid && lhs.attributes.map(\.0) == rhs.attributes.map(\.0)
            && lhs.attributes.map(\.1) == rhs.attributes.map(\.1)
    }
}

extension OTLPLogEntry {
    /// The log record a recorded row becomes, or nil for rows that are not logs (samples,
    /// process rows, snapshots). `stallPid` names the process of a stall that ends.
    public init?(_ record: Record, stallPid: (Int) -> Int32? = { _ in nil }) {
        switch record {
        case .log(let line):
            var attributes: [(String, Value)] = [
                ("log.file.path", .string(line.path)),
                ("log.file.name", .string(String(line.path.split(separator: "/").last ?? ""))),
            ]
            if line.partial { attributes.append(("argus.log.partial", .bool(true))) }
            if line.readLate { attributes.append(("argus.log.read_late", .bool(true))) }
            self.init(time: line.time, severity: .unspecified, body: line.line, attributes: attributes, pid: line.pid)
        case .event(let event):
            self.init(event)
        case .stall(let stall):
            var attributes: [(String, Value)] = [
                ("argus.stall.id", .int(Int64(stall.id))), ("argus.stall.kind", .string(stall.kind.rawValue)),
                ("argus.stall.started_ns", .int(stall.started.nanoseconds)),
            ]
            if let tid = stall.tid { attributes.append(("thread.id", .int(Int64(tid)))) }
            self.init(
                time: stall.detected, severity: .warn, body: "stall (\(stall.kind.rawValue)): \(stall.trigger)",
                eventName: "argus.stall", attributes: attributes, pid: stall.pid)
        case .stallEnd(let end):
            self.init(
                time: end.ended, severity: .info,
                body: "stall \(end.id) ended (\(end.reason)) after \(end.durationNs / 1_000_000) ms",
                eventName: "argus.stall.end",
                attributes: [
                    ("argus.stall.id", .int(Int64(end.id))), ("argus.stall.end_reason", .string(end.reason)),
                    ("argus.stall.duration_ms", .int(Int64(clamping: end.durationNs / 1_000_000))),
                ], pid: stallPid(end.id))
        case .alert(let alert):
            var attributes: [(String, Value)] = [
                ("argus.alert.id", .int(Int64(alert.id))), ("argus.alert.rule", .string(alert.rule)),
                ("argus.alert.state", .string("firing")),
            ]
            if let value = alert.value, value.isFinite { attributes.append(("argus.alert.value", .double(value))) }
            self.init(
                time: alert.fired, severity: .warn, body: "alert \(alert.rule): \(alert.detail)",
                eventName: "argus.alert", attributes: attributes, pid: alert.pid)
        case .alertCleared(let cleared):
            var attributes: [(String, Value)] = [
                ("argus.alert.id", .int(Int64(cleared.id))), ("argus.alert.rule", .string(cleared.rule)),
                ("argus.alert.state", .string("cleared")), ("argus.alert.clear_reason", .string(cleared.reason)),
            ]
            if let value = cleared.value, value.isFinite { attributes.append(("argus.alert.value", .double(value))) }
            self.init(
                time: cleared.cleared, severity: .info, body: "alert \(cleared.rule) cleared (\(cleared.reason))",
                eventName: "argus.alert.cleared", attributes: attributes, pid: nil)
        case .metric, .process, .session, .stallSnapshot, .fineSamples, .groupSample:
            return nil
        }
    }

    private init(_ event: ProcessEventRecord) {
        var attributes: [(String, Value)] = [("argus.event_type", .string(event.type.rawValue))]
        var body = event.type.rawValue
        var severity = Severity.info
        if let code = event.exitCode {
            attributes.append(("process.exit.code", .int(Int64(code))))
            body += " (exit code \(code))"
            if code != 0 { severity = .warn }
        }
        if let signal = event.signal { attributes.append(("argus.signal", .int(Int64(signal)))) }
        if let core = event.coreDumped { attributes.append(("argus.core_dumped", .bool(core))) }
        if let generation = event.generation { attributes.append(("argus.generation", .int(Int64(generation)))) }
        if let detail = event.detail, !detail.isEmpty { body += ": " + detail }
        self.init(
            time: event.time, severity: severity, body: body, eventName: "process." + event.type.rawValue,
            attributes: attributes, pid: event.pid == 0 ? nil : event.pid)
    }
}
