/// The body of an OTLP/HTTP JSON logs export (ExportLogsServiceRequest): the records grouped
/// into a ResourceLogs per process, in the order their processes first appear.
public enum OTLPLogs {
    public static func request(_ entries: [OTLPLogEntry], processes: [Int32: OTLPProcess], source: OTLPSource)
        -> String
    {
        var order: [Int32?] = []
        var groups: [Int32?: [String]] = [:]
        for entry in entries {
            let key = entry.pid.flatMap { processes[$0] == nil ? nil : $0 }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(record(entry))
        }
        let resources = order.map { key in
            "{\"resource\":" + OTLPJSON.resource(source, key.flatMap { processes[$0] }) + ",\"scopeLogs\":[{\"scope\":"
                + OTLPJSON.scope(source) + ",\"logRecords\":" + JSONObject.array(groups[key] ?? []) + "}]}"
        }
        return "{\"resourceLogs\":" + JSONObject.array(resources) + "}"
    }

    static func record(_ entry: OTLPLogEntry) -> String {
        var object = JSONObject()
        object.raw("timeUnixNano", OTLPJSON.nanos(entry.time))
        // Captured when it happened: the observed time is the same instant.
        object.raw("observedTimeUnixNano", OTLPJSON.nanos(entry.time))
        object.int("severityNumber", entry.severity.rawValue)
        if let text = entry.severity.text { object.string("severityText", text) }
        object.raw("body", "{\"stringValue\":" + JSONText.quote(entry.body) + "}")
        var attributes = entry.attributes.map { key, value -> String in
            switch value {
            case .string(let text): return OTLPJSON.attribute(key, string: text)
            case .int(let number): return OTLPJSON.attribute(key, int: number)
            case .double(let number):
                return
                    "{\"key\":\(JSONText.quote(key)),\"value\":{\"doubleValue\":\(number.isFinite ? String(number) : "0")}}"
            case .bool(let flag):
                return "{\"key\":\(JSONText.quote(key)),\"value\":{\"boolValue\":\(flag ? "true" : "false")}}"
            }
        }
        if let pid = entry.pid { attributes.append(OTLPJSON.attribute("process.pid", int: pid)) }
        object.raw("attributes", JSONObject.array(attributes))
        if let name = entry.eventName { object.string("eventName", name) }
        return object.text
    }
}
