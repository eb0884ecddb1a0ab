/// The process an OTLP resource describes, with the attributes the OpenTelemetry process
/// semantic conventions give it (as the collector's hostmetrics receiver sets them).
public struct OTLPProcess: Sendable, Equatable {
    public var pid: Int32
    public var parentPid: Int32?
    /// process.executable.name: the process's name (comm), as hostmetrics reads it.
    public var executableName: String
    /// process.command_line: argv joined by spaces; nil when unknown (not read, a zombie).
    public var commandLine: String?
    /// When the process started: the cumulative counters' start time.
    public var started: WallTime

    public init(pid: Int32, parentPid: Int32?, executableName: String, commandLine: String?, started: WallTime) {
        self.pid = pid
        self.parentPid = parentPid
        self.executableName = executableName
        self.commandLine = commandLine
        self.started = started
    }
}

/// What every resource of one recording shares: the host and the service (the app name).
public struct OTLPSource: Sendable, Equatable {
    public var hostName: String
    public var serviceName: String
    /// The instrumentation scope: argus-trace and its version.
    public var scopeName: String
    public var scopeVersion: String

    public init(hostName: String, serviceName: String, scopeName: String = "argus-trace", scopeVersion: String) {
        self.hostName = hostName
        self.serviceName = serviceName
        self.scopeName = scopeName
        self.scopeVersion = scopeVersion
    }
}

/// OTLP/JSON pieces shared by the metrics and logs requests (opentelemetry-proto's JSON
/// mapping: lowerCamelCase names, 64-bit integers as strings, enums as numbers).
enum OTLPJSON {
    static func attribute(_ key: String, string value: String) -> String {
        "{\"key\":\(JSONText.quote(key)),\"value\":{\"stringValue\":\(JSONText.quote(value))}}"
    }

    static func attribute<T: BinaryInteger>(_ key: String, int value: T) -> String {
        "{\"key\":\(JSONText.quote(key)),\"value\":{\"intValue\":\"\(value)\"}}"
    }

    static func nanos(_ time: WallTime) -> String { "\"\(max(time.nanoseconds, 0))\"" }

    /// A Resource: the source's host and service, and the process when there is one.
    static func resource(_ source: OTLPSource, _ process: OTLPProcess?) -> String {
        var attributes = [
            attribute("service.name", string: source.serviceName), attribute("host.name", string: source.hostName),
        ]
        if let process {
            attributes.append(attribute("process.pid", int: process.pid))
            if let parent = process.parentPid { attributes.append(attribute("process.parent_pid", int: parent)) }
            attributes.append(attribute("process.executable.name", string: process.executableName))
            if let line = process.commandLine { attributes.append(attribute("process.command_line", string: line)) }
        }
        return "{\"attributes\":" + JSONObject.array(attributes) + "}"
    }

    static func scope(_ source: OTLPSource) -> String {
        var scope = JSONObject()
        scope.string("name", source.scopeName)
        scope.string("version", source.scopeVersion)
        return scope.text
    }
}
