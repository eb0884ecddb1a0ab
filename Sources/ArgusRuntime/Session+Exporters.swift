import ArgusCore
import ArgusKernel
import ArgusStore

/// The sinks beside the database that send a session's records elsewhere: OTLP (--otlp-endpoint)
/// and Gaze's --server upload.
extension Session {
    /// At set-up, before the database is opened: the OTLP and --server exporters need libcurl,
    /// which is opened only now. nil when it is there or not needed, else the exit status after
    /// one line saying what is missing.
    func checkHTTPClient() -> Int32? {
        let flags = [settings.otlpEndpoint.map { _ in "--otlp-endpoint" }, settings.server.map { _ in "--server" }]
            .compactMap { $0 }
        guard !flags.isEmpty, let problem = HTTPClient.libraryProblem else { return nil }
        console.error("\(flags.joined(separator: " and ")): \(problem)")
        return scope.setupFailureStatus
    }

    func exporters(for writer: RecordWriter) -> [RecordSink] {
        var exporters: [RecordSink] = []
        let console = self.console
        if let endpoint = settings.otlpEndpoint {
            let exporter = OTLPExporter(
                OTLPExporter.Configuration(endpoint: endpoint, userAgent: "argus-trace/\(ArgusVersion.current)"),
                source: OTLPSource(
                    hostName: HostFacts.hostname(), serviceName: settings.appName ?? "",
                    scopeVersion: ArgusVersion.current),
                warn: { console.warning($0) })
            exporters.append(OTLPSink(exporter: exporter, describe: { [unowned self] in otlpProcess($0) }))
            console.detail("OTLP: exporting to \(endpoint)")
        }
        if let server = settings.server {
            let uploader = ServerUploader(
                ServerUploader.Configuration(path: settings.databasePath, session: writer.sessionID, server: server),
                warn: { console.warning($0) })
            writer.whenCommitted { uploader.nudge() }
            exporters.append(
                ServerUploadSink(
                    uploader: uploader, server: server.url, session: writer.sessionID,
                    databasePath: settings.databasePath))
            console.detail("--server: uploading session \(writer.sessionID) to \(server.url)")
        }
        return exporters
    }

    /// A member as an OTLP resource, while it is in the table.
    func otlpProcess(_ pid: Int32) -> OTLPProcess? {
        guard let member = table.live[pid] else { return nil }
        return OTLPProcess(
            pid: pid, parentPid: member.parentPid, executableName: member.name,
            commandLine: member.command.argv.map { $0.joined(separator: " ") },
            started: clock.wallTime(monotonicNs: member.startedNs))
    }

    /// Once the writer has committed everything: each exporter sends what is left and stops.
    func finishExporters() {
        let exporters = sinks.filter { $0 !== writer }
        for sink in exporters { sink.beginFinish() }
        for sink in exporters {
            if let line = sink.finish() { console.warning(line) }
        }
    }
}
