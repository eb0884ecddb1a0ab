import Foundation
import Testing

extension EndToEnd {
    /// libcurl and libmicrohttpd are opened only when an exporter asks for them (libyaml only for
    /// a config file), and a missing one is one line and the set-up status (the usage status for
    /// a config file), before any database exists.
    @Suite struct ExporterLibraryTests {
        /// The shared objects mapped into a running process, by file name.
        static func mappedLibraries(_ pid: Int32) -> Set<String> {
            let maps = ProcView.read("/proc/\(pid)/maps") ?? ""
            return Set(
                maps.split(separator: "\n").compactMap { line in
                    line.split(separator: "/").last.map(String.init)
                }.filter { $0.contains(".so") })
        }

        static func mapsExporterLibraries(_ libraries: Set<String>) -> (curl: Bool, microhttpd: Bool) {
            (
                libraries.contains { $0.hasPrefix("libcurl.so") },
                libraries.contains { $0.hasPrefix("libmicrohttpd.so") }
            )
        }

        @Test func aWatchWithoutExportersMapsNeitherLibraryAndAServerMapsItsOwn() throws {
            let scratch = Scratch()
            let target = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "target")
            let plain = try startTracer(["--pid", "\(target.pid)", "--interval", "5"], scratch: scratch)
            #expect(waitAttached(plain), "stderr: \(plain.stderr)")
            let plainMaps = Self.mapsExporterLibraries(Self.mappedLibraries(plain.pid))
            #expect(!plainMaps.curl && !plainMaps.microhttpd, "\(Self.mappedLibraries(plain.pid))")
            // The TLS libraries came only with them; libyaml comes only with a config file.
            #expect(!Self.mappedLibraries(plain.pid).contains { $0.hasPrefix("libgnutls") })
            #expect(!Self.mappedLibraries(plain.pid).contains { $0.hasPrefix("libyaml") })
            plain.signal(SIGINT)
            #expect(plain.exitStatus() == 130)

            let port = try freeLoopbackPort()
            let serving = try Child(
                Binaries.tracer,
                [
                    "--pid", "\(target.pid)", "--interval", "5", "--metrics-listen", "127.0.0.1:\(port)", "--db",
                    scratch.path + "/serving.db",
                ], scratch: scratch, label: "serving")
            #expect(waitAttached(serving), "stderr: \(serving.stderr)")
            let servingMaps = Self.mapsExporterLibraries(Self.mappedLibraries(serving.pid))
            #expect(servingMaps.microhttpd && !servingMaps.curl, "\(Self.mappedLibraries(serving.pid))")
            serving.signal(SIGINT)
            #expect(serving.exitStatus() == 130)
            target.openGate()
            #expect(target.exitStatus() == 0)
        }

        /// A library that cannot be loaded: here a file of that name that is not a library, first
        /// in LD_LIBRARY_PATH (dlopen looks there before the system's directories).
        @Test func aLibraryThatCannotLoadIsOneLineBeforeAnyDatabase() throws {
            let scratch = Scratch()
            let broken = scratch.path + "/lib"
            try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: true)
            for name in ["libcurl.so.4", "libmicrohttpd.so.12", "libyaml-0.so.2"] {
                _ = FileManager.default.createFile(atPath: broken + "/" + name, contents: Data())
            }
            let environment = ["LD_LIBRARY_PATH": broken]
            let target = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "target")
            for (arguments, flag, library, status) in [
                (["--pid", "\(target.pid)", "--otlp-endpoint", "http://127.0.0.1:9"], "--otlp-endpoint", "libcurl", 4),
                (["--pid", "\(target.pid)", "--server", "http://127.0.0.1:9"], "--server", "libcurl", 4),
                (
                    ["run", "--metrics-listen", "127.0.0.1:0", "--", "/bin/true"], "--metrics-listen", "libmicrohttpd",
                    125
                ),
            ] as [([String], String, String, Int32)] {
                let tracer = try Child(
                    Binaries.tracer, arguments + ["--db", scratch.database], scratch: scratch, label: "tracer",
                    environment: environment)
                #expect(tracer.exitStatus() == status, "\(arguments): \(tracer.stderr)")
                #expect(
                    tracer.stderr.hasPrefix("argus-trace: error: \(flag): cannot load \(library) (\(broken)/"),
                    "\(tracer.stderr)")
                #expect(tracer.stderr.split(separator: "\n").count == 1, "\(tracer.stderr)")
                #expect(!FileManager.default.fileExists(atPath: scratch.database))
            }
            // A config file needs libyaml: the file's line says so, with the usage status.
            let config = scratch.path + "/watch.yaml"
            _ = FileManager.default.createFile(atPath: config, contents: Data("interval: 1\n".utf8))
            let configured = try Child(
                Binaries.tracer, ["--config", config, "--pid", "\(target.pid)", "--db", scratch.database],
                scratch: scratch, label: "configured", environment: environment)
            #expect(configured.exitStatus() == 2, "\(configured.stderr)")
            #expect(
                configured.stderr.hasPrefix("argus-trace: error: \(config): cannot load libyaml (\(broken)/"),
                "\(configured.stderr)")
            #expect(configured.stderr.split(separator: "\n").count == 1, "\(configured.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.database))
            target.openGate()
            #expect(target.exitStatus() == 0)
        }
    }
}
