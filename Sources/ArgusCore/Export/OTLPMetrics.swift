/// The body of an OTLP/HTTP JSON metrics export (ExportMetricsServiceRequest) for one interval's
/// samples: a ResourceMetrics per process with the metrics the collector's hostmetrics receiver
/// emits for a process (OpenTelemetry process semantic conventions), each a Sum with cumulative
/// temporality starting at the process's start.
public enum OTLPMetrics {
    /// AGGREGATION_TEMPORALITY_CUMULATIVE.
    static let cumulative = 2

    public static func request(_ samples: [(MetricRecord, OTLPProcess)], source: OTLPSource) -> String {
        let resources = samples.map { sample, process in
            "{\"resource\":" + OTLPJSON.resource(source, process) + ",\"scopeMetrics\":[{\"scope\":"
                + OTLPJSON.scope(source) + ",\"metrics\":" + JSONObject.array(metrics(sample, process)) + "}]}"
        }
        return "{\"resourceMetrics\":" + JSONObject.array(resources) + "}"
    }

    /// One value of a Sum, with its attribute when it has one.
    enum Value {
        case int(UInt64)
        case double(Double)
    }

    static func metrics(_ sample: MetricRecord, _ process: OTLPProcess) -> [String] {
        let start = OTLPJSON.nanos(process.started)
        let time = OTLPJSON.nanos(sample.time)
        func sum(
            _ name: String, _ unit: String, _ description: String, monotonic: Bool,
            _ points: [(attribute: (String, String)?, value: Value)]
        ) -> String {
            let dataPoints = points.map { point -> String in
                var object = JSONObject()
                if let (key, value) = point.attribute {
                    object.raw("attributes", "[" + OTLPJSON.attribute(key, string: value) + "]")
                }
                object.raw("startTimeUnixNano", start)
                object.raw("timeUnixNano", time)
                switch point.value {
                case .int(let value): object.string("asInt", String(value))
                case .double(let value): object.double("asDouble", value)
                }
                return object.text
            }
            var metric = JSONObject()
            metric.string("name", name)
            metric.string("description", description)
            metric.string("unit", unit)
            var body = JSONObject()
            body.raw("dataPoints", JSONObject.array(dataPoints))
            body.int("aggregationTemporality", cumulative)
            body.bool("isMonotonic", monotonic)
            metric.raw("sum", body.text)
            return metric.text
        }
        let megabyte = 1024.0 * 1024.0
        var metrics: [String] = []
        let user = sample.cpuUserNs.map { Double($0) / 1e9 }
        let system = sample.cpuSystemNs.map { Double($0) / 1e9 }
        if let user, let system {
            metrics.append(
                sum(
                    "process.cpu.time", "s", "Total CPU seconds broken down by different states.", monotonic: true,
                    [(("state", "user"), .double(user)), (("state", "system"), .double(system))]))
        }
        metrics.append(
            sum(
                "process.memory.usage", "By", "The amount of physical memory in use.", monotonic: false,
                [(nil, .int(UInt64((sample.memoryMB * megabyte).rounded())))]))
        metrics.append(
            sum(
                "process.memory.virtual", "By", "Virtual memory size.", monotonic: false,
                [(nil, .int(UInt64((sample.vmsMB * megabyte).rounded())))]))
        metrics.append(
            sum(
                "process.threads", "{threads}", "Process threads count.", monotonic: false,
                [(nil, .int(UInt64(max(sample.threadCount, 0))))]))
        if let fds = sample.openFds {
            metrics.append(
                sum(
                    "process.open_file_descriptors", "{count}", "Number of file descriptors in use by the process.",
                    monotonic: false, [(nil, .int(UInt64(max(fds, 0))))]))
        }
        if let voluntary = sample.voluntarySwitches, let involuntary = sample.involuntarySwitches {
            metrics.append(
                sum(
                    "process.context_switches", "{count}", "Number of times the process has been context switched.",
                    monotonic: true,
                    [(("type", "involuntary"), .int(involuntary)), (("type", "voluntary"), .int(voluntary))]))
        }
        metrics.append(
            sum(
                "process.paging.faults", "{faults}", "Number of page faults the process has made.", monotonic: true,
                [(("type", "major"), .int(sample.majorFaults)), (("type", "minor"), .int(sample.minorFaults))]))
        if let read = sample.readBytes, let written = sample.writeBytes {
            metrics.append(
                sum(
                    "process.disk.io", "By", "Disk bytes transferred.", monotonic: true,
                    [(("direction", "read"), .int(read)), (("direction", "write"), .int(written))]))
        }
        return metrics
    }
}
