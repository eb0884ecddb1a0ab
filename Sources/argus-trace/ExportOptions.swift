import ArgumentParser
import ArgusKernel
import ArgusRuntime

/// Where a recording's numbers go besides the database: an OpenTelemetry collector (OTLP) and
/// Gaze's Argus server (`--server`).
struct ExportOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Push samples and log records to an OpenTelemetry collector over OTLP/HTTP JSON "
                + "({url}/v1/metrics every interval, {url}/v1/logs), e.g. http://localhost:4318.",
            valueName: "url"))
    var otlpEndpoint: String?

    @OptionGroup var server: ServerOptions

    func validate() throws {
        if let otlpEndpoint { try ServerOptions.checkURL(otlpEndpoint, option: "--otlp-endpoint") }
    }
}

/// `--server URL` and its API key, shared by watch, run and upload.
struct ServerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Upload every recorded row to an Argus server (POST {url}/api/ingest, Gaze v0.3); the database is "
                + "the outbox, so nothing is lost while it is down.", valueName: "url"))
    var server: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "File holding the API key for --server (sent as X-API-Key); else the ARGUS_API_KEY environment "
                + "variable.", valueName: "path"))
    var serverKeyFile: String?

    func validate() throws {
        if let server { try Self.checkURL(server, option: "--server") }
        if serverKeyFile != nil && server == nil { throw ValidationError("--server-key-file needs --server") }
        if let serverKeyFile, ProcFS.read(serverKeyFile) == nil {
            throw ValidationError("--server-key-file: cannot read \(serverKeyFile)")
        }
    }

    static func checkURL(_ url: String, option: String) throws {
        let lower = url.lowercased()
        let scheme = ["http://", "https://"].first { lower.hasPrefix($0) }
        guard let scheme, url.count > scheme.count else {
            throw ValidationError("\(option) takes an http:// or https:// URL, not '\(url)'")
        }
    }

    /// The server and its key: the key file's first line, else ARGUS_API_KEY.
    var settings: ServerSettings? {
        guard let server else { return nil }
        let fromFile = serverKeyFile.flatMap(ProcFS.read).map {
            $0.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        }
        let key = fromFile ?? Environment.value("ARGUS_API_KEY")
        return ServerSettings(url: server, apiKey: key.flatMap { $0.isEmpty ? nil : $0 })
    }
}
