import Foundation
import Testing

extension EndToEnd {
    @Suite struct ConfigFileTests {
        func write(_ text: String, to path: String) throws {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }

        @Test func theFileSetsOptionsAndTheCommandLineOverridesThem() throws {
            let scratch = Scratch()
            let config = scratch.path + "/argus.yaml"
            let logPath = scratch.path + "/app.log"
            try write(
                """
                # every key is a long option
                interval: 5
                app-name: FromFile
                logfile: \(logPath)
                no-stalls: true
                alert:
                  - log ~ FILE
                  - exit != 0
                grace: 3   # run's: ignored while watching
                """, to: config)
            let log = AppLog(logPath)
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try startTracer(
                ["--pid", "\(testee.pid)", "--config", config, "--interval", "0.2", "--alert", "log ~ CLI"],
                scratch: scratch)
            #expect(waitAttached(tracer), "\(tracer.stderr)")
            #expect(tracer.stdout.contains("Collection interval: 0.2 seconds"), "\(tracer.stdout)")
            log.write("FILE one\nCLI two\n")
            #expect(eventually { tracer.stdout.contains("ALERT log ~ CLI: CLI two") }, "\(tracer.stdout)")
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "\(tracer.stderr)")
            let rows = try Rows(scratch.database)
            // The command line's --alert replaced the file's list; the file's app-name stayed.
            #expect(try rows.texts("SELECT rule FROM alerts") == ["log ~ CLI"])
            #expect(try rows.texts("SELECT DISTINCT app_name FROM performance_metrics") == ["FromFile"])
            #expect(try rows.int("SELECT count(*) FROM stalls") == 0)
        }

        @Test func theUsersDefaultFileIsReadWithoutConfigAndABrokenOneIsAnError() throws {
            let scratch = Scratch()
            let home = scratch.path + "/home"
            let config = home + "/.config/argus-trace/config.yaml"
            try write("app-name: FromHome\nno-stalls: true\n", to: config)
            let testee = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "testee")
            let tracer = try Child(
                Binaries.tracer, ["--pid", "\(testee.pid)", "--db", scratch.database], scratch: scratch,
                label: "tracer", environment: ["HOME": home])
            #expect(waitAttached(tracer), "\(tracer.stderr)")
            testee.openGate()
            #expect(tracer.exitStatus() == 0, "\(tracer.stderr)")
            let rows = try Rows(scratch.database)
            #expect(try rows.texts("SELECT app_name FROM sessions") == ["FromHome"])

            try write("app-name: FromHome\nstall-window: [1]\n", to: config)
            let broken = try Child(
                Binaries.tracer, ["--pid", "1", "--db", scratch.path + "/other.db"], scratch: scratch,
                label: "broken", environment: ["HOME": home])
            #expect(broken.exitStatus() == 2)
            #expect(
                broken.stderr == "argus-trace: error: \(config):2: key 'stall-window': takes one value, not a list\n",
                "\(broken.stderr)")
        }

        @Test(arguments: [
            ("interval: 1\nintervall: 2\n", ":2: unknown key 'intervall' (did you mean 'interval'?)"),
            ("interval: abc\n", ":1: key 'interval': The value 'abc' is invalid for '--interval <seconds>'"),
            ("db: /tmp/x.db\ninterval: 0.01\n", ":2: key 'interval': --interval must be a number of seconds"),
            ("no-bpf: maybe\n", ":1: key 'no-bpf': is a flag: true or false"),
            ("alert:\n  - exit != 0\n  - cpu >> 5\n", ":3: key 'alert': --alert: alert rule 'cpu >> 5': position 5"),
            ("interval: 1\n  quiet: true\n", ":2: not valid YAML"),
            ("interval: 1\ninterval: 2\n", ":2: key 'interval' is given twice (first on line 1)"),
        ])
        func badFilesAreRejectedNamingTheLineAndTheKey(text: String, message: String) throws {
            let scratch = Scratch()
            let config = scratch.path + "/bad.yaml"
            try write(text, to: config)
            let check = try Child(Binaries.tracer, ["config", "check", config], scratch: scratch, label: "check")
            #expect(check.exitStatus() == 1)
            #expect(check.stderr.hasPrefix("argus-trace: error: \(config)\(message)"), "\(check.stderr)")
            #expect(check.stderr.split(separator: "\n").count == 1)
            let watch = try Child(
                Binaries.tracer, ["--pid", "1", "--config", config, "--db", scratch.database], scratch: scratch,
                label: "watch")
            #expect(watch.exitStatus() == 2)
            #expect(watch.stderr.hasPrefix("argus-trace: error: \(config)\(message)"), "\(watch.stderr)")
            let run = try Child(
                Binaries.tracer, ["run", "--config", config, "--db", scratch.database, "--", "true"], scratch: scratch,
                label: "run")
            #expect(run.exitStatus() == 125)
            #expect(!FileManager.default.fileExists(atPath: scratch.database))
        }

        @Test func oneDbKeyServesRecordingAndTheReaders() throws {
            let scratch = Scratch()
            let config = scratch.path + "/argus.yaml"
            try write("db: \(scratch.database)\njson: true\n", to: config)
            let run = try Child(
                Binaries.tracer, ["run", "--config", config, "--quiet", "--", "true"], scratch: scratch, label: "run")
            #expect(run.exitStatus() == 0, "\(run.stderr)")
            // sessions and report take db (and json) from the file, as prune and stalls do.
            for command in ["sessions", "report"] {
                let reader = try Child(
                    Binaries.tracer, [command, "--config", config], scratch: scratch, label: command)
                #expect(reader.exitStatus() == 0, "\(command): \(reader.stderr)")
                #expect(reader.stdout.hasPrefix("{") || reader.stdout.hasPrefix("["), "\(command): \(reader.stdout)")
            }
        }

        @Test func configCheckAcceptsAGoodFileAndRunsNothing() throws {
            let scratch = Scratch()
            let config = scratch.path + "/good.yaml"
            try write(
                "interval: 1\nalert: cpu > 80 for 30s\nstall-d-state: 0.5\ngrace: 2\nkill-orphans: true\njson: true\n",
                to: config)
            let check = try Child(Binaries.tracer, ["config", "check", config], scratch: scratch, label: "check")
            #expect(check.exitStatus() == 0, "\(check.stderr)")
            #expect(check.stdout == "\(config): ok (6 key(s))\n")
            let missing = try Child(
                Binaries.tracer, ["config", "check", scratch.path + "/none.yaml"], scratch: scratch, label: "missing")
            #expect(missing.exitStatus() == 1)
            #expect(missing.stderr.contains("none.yaml: no such file"))
        }

        @Test func helpListsTheAlertAndConfigOptionsAndConfigCheck() throws {
            let scratch = Scratch()
            for arguments in [["--help"], ["run", "--help"]] {
                let help = try Child(Binaries.tracer, arguments, scratch: scratch, label: "help")
                #expect(help.exitStatus() == 0)
                for text in [
                    "--alert <rule>", "--alert-cpu <pct>", "--alert-memory <mb>", "--on-alert <path>",
                    "--config <file>",
                ] {
                    #expect(help.stdout.contains(text), "\(arguments) help lacks \(text)")
                }
            }
            let check = try Child(
                Binaries.tracer, ["config", "check", "--help"], scratch: scratch, label: "check-help")
            #expect(check.exitStatus() == 0)
            for text in ["Examples:", "Exit status:", "<file>"] {
                #expect(check.stdout.contains(text), "config check help lacks \(text)")
            }
        }
    }
}
