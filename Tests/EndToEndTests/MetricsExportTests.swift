import Foundation
import Testing

extension EndToEnd {
    /// `--metrics-listen`: the binary serving /metrics to a real HTTP client, promtool and a real
    /// Prometheus server.
    @Suite struct MetricsExportTests {
        /// GET /metrics with curl; the body, or "" when it fails.
        static func scrape(port: UInt16, accept: String? = nil, scratch: Scratch) -> String {
            var arguments = ["-sS", "--max-time", "10"]
            if let accept { arguments += ["-H", "Accept: \(accept)"] }
            arguments.append("http://127.0.0.1:\(port)/metrics")
            guard let curl = try? Child("/usr/bin/curl", arguments, scratch: scratch, label: "curl"),
                curl.exitStatus(within: 15) == 0
            else { return "" }
            return curl.stdout
        }

        /// Debian's python3-prometheus-client (test-only, scripts/setup), whose OpenMetrics parser
        /// checks the OpenMetrics scrape.
        static let hasOpenMetricsParser = FileManager.default.fileExists(
            atPath: "/usr/lib/python3/dist-packages/prometheus_client/openmetrics/parser.py")

        /// The sum of the samples of `name` whose labels contain every one of `labels`.
        static func value(_ name: String, _ labels: [String], in body: String) -> Double? {
            let values = body.split(separator: "\n").filter { line in
                line.hasPrefix(name + "{") && labels.allSatisfy { line.contains($0) }
            }.compactMap { Double($0.split(separator: " ").last ?? "") }
            return values.isEmpty ? nil : values.reduce(0, +)
        }

        @Test func aScrapePassesPromtoolAndKeepsAnEndedChildsCPU() throws {
            let scratch = Scratch()
            let port = try freeLoopbackPort()
            let script = "\(Binaries.testee) spin 1.5; exec \(Binaries.testee) gate exit 0"
            let tracer = try Child(
                Binaries.tracer,
                [
                    "run", "--metrics-listen", "127.0.0.1:\(port)", "--interval", "0.2", "--no-stalls",
                    "--runq-histogram", "--db",
                    scratch.database, "--", "/bin/sh", "-c", script,
                ], scratch: scratch, label: "tracer")
            let testee = #"name="argus-testee""#
            var body = ""
            // While the spinner runs, its CPU grows.
            var running = 0.0
            #expect(
                eventually(within: 20) {
                    body = Self.scrape(port: port, scratch: scratch)
                    running = Self.value("argus_process_cpu_seconds_total", [testee], in: body) ?? 0
                    return running > 0.1
                }, "scrape: \(body)\nstderr: \(tracer.stderr)")
            // It ended with status 0: its exit is counted and its CPU stays in the counter.
            #expect(
                eventually(within: 20) {
                    body = Self.scrape(port: port, scratch: scratch)
                    return Self.value("argus_process_exits_total", [testee, #"class="0""#], in: body) == 1
                }, "scrape: \(body)\nstderr: \(tracer.stderr)")
            let ended = Self.value("argus_process_cpu_seconds_total", [testee], in: body) ?? 0
            #expect(ended >= running, "scrape: \(body)")
            #expect(!body.contains("pid="))
            #expect(body.contains("\nprocess_start_time_seconds "))

            let scrapePath = scratch.path + "/scrape.txt"
            try body.write(toFile: scrapePath, atomically: true, encoding: .utf8)
            let promtool = try Child(
                "/bin/sh", ["-c", "promtool check metrics < \(scrapePath)"], scratch: scratch, label: "promtool")
            #expect(promtool.exitStatus(within: 30) == 0, "promtool: \(promtool.stdout)\(promtool.stderr)")

            let open = Self.scrape(port: port, accept: "application/openmetrics-text; version=1.0.0", scratch: scratch)
            #expect(open.hasSuffix("# EOF\n"))
            #expect(open.contains("# TYPE argus_process_cpu_seconds counter\n"))
            #expect(open.contains("argus_process_cpu_seconds_total{"))
            #expect(open.contains("# TYPE argus_process_runqueue_wait_seconds histogram\n"))
            if Self.hasOpenMetricsParser {
                // The Python client's OpenMetrics parser is strict (promtool checks the text format only).
                let openPath = scratch.path + "/scrape.om"
                try open.write(toFile: openPath, atomically: true, encoding: .utf8)
                let check =
                    "from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse; "
                    + "print(len(list(parse(open('\(openPath)').read()))))"
                let parser = try Child("/usr/bin/python3", ["-c", check], scratch: scratch, label: "openmetrics")
                #expect(parser.exitStatus(within: 30) == 0, "parser: \(parser.stderr)")
            }

            tracer.openGate()
            #expect(tracer.exitStatus(within: 20) == 0, "stderr: \(tracer.stderr)")
        }

        @Test func aChildEndingBeforeItsFirstSampleStillCountsItsCPU() throws {
            let scratch = Scratch()
            let port = try freeLoopbackPort()
            // The spinner's parent becomes a testee that never waits: its zombie stays until the end.
            let script = "\(Binaries.testee) spin 0.5 & exec \(Binaries.testee) gate exit 0"
            let tracer = try Child(
                Binaries.tracer,
                [
                    "run", "--metrics-listen", "127.0.0.1:\(port)", "--interval", "30", "--no-stalls", "--db",
                    scratch.database, "--", "/bin/sh", "-c", script,
                ], scratch: scratch, label: "tracer")
            let testee = #"name="argus-testee""#
            var body = ""
            #expect(
                eventually(within: 20) {
                    body = Self.scrape(port: port, scratch: scratch)
                    return Self.value("argus_process_exits_total", [testee, #"class="0""#], in: body) == 1
                }, "scrape: \(body)\nstderr: \(tracer.stderr)")
            // Never sampled (30 s interval): its CPU comes from its zombie's final counters.
            #expect((Self.value("argus_process_cpu_seconds_total", [testee], in: body) ?? 0) >= 0.1, "scrape: \(body)")
            tracer.openGate()
            #expect(tracer.exitStatus(within: 20) == 0, "stderr: \(tracer.stderr)")
        }

        @Test func aPortInUseIsRefusedBeforeRecording() throws {
            let scratch = Scratch()
            let busy = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(busy) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let listening = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(busy, $0, length) == 0 && listen(busy, 1) == 0 && getsockname(busy, $0, &length) == 0
                }
            }
            try #require(listening)
            let port = UInt16(bigEndian: address.sin_port)
            let target = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "target")

            let watch = try startTracer(
                ["--pid", "\(target.pid)", "--metrics-listen", "127.0.0.1:\(port)"], scratch: scratch)
            #expect(watch.exitStatus() == 4)
            #expect(
                watch.stderr == "argus-trace: error: --metrics-listen: cannot listen on 127.0.0.1:\(port): "
                    + "Address already in use\n")
            let run = try startTracer(
                ["run", "--metrics-listen", "127.0.0.1:\(port)", "--", "/bin/true"], scratch: scratch)
            #expect(run.exitStatus() == 125)
            #expect(!FileManager.default.fileExists(atPath: scratch.database))

            let malformed = try startTracer(["--pid", "\(target.pid)", "--metrics-listen", "9464"], scratch: scratch)
            #expect(malformed.exitStatus() == 2)
            #expect(malformed.stderr.contains("--metrics-listen takes HOST:PORT"))
            target.openGate()
            #expect(target.exitStatus() == 0)
        }

        @Test(.enabled(if: PrometheusServer.isInstalled, "Debian's prometheus package"))
        func aPrometheusServerScrapesTheWatchedProcessesCPU() throws {
            let scratch = Scratch()
            let port = try freeLoopbackPort()
            let spinner = try Child(Binaries.testee, ["spin", "120"], scratch: scratch, label: "spinner")
            let tracer = try startTracer(
                [
                    "--pid", "\(spinner.pid)", "--interval", "0.5", "--no-stalls", "--metrics-listen",
                    "127.0.0.1:\(port)",
                ],
                scratch: scratch)
            #expect(waitAttached(tracer), "stdout: \(tracer.stdout) stderr: \(tracer.stderr)")
            let prometheus = try PrometheusServer(scratch: scratch, scraping: "127.0.0.1:\(port)")
            var results: [(labels: [String: String], value: Double)] = []
            #expect(
                eventually(within: 60) {
                    results =
                        (try? prometheus.query(#"argus_process_cpu_seconds_total{name="argus-testee",mode="user"}"#))
                        ?? []
                    return results.contains { $0.value > 0 }
                }, "results: \(results)")
            #expect(results.first?.labels["app"] == "argus-testee")
            #expect(results.first?.labels["job"] == "argus")
            tracer.signal(SIGINT)
            #expect(tracer.exitStatus() == 130)
            spinner.signal(SIGKILL)
            _ = spinner.exitStatus()
        }
    }
}
