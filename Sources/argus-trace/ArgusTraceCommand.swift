import ArgumentParser
import ArgusRuntime

/// `argus-trace --pid PID | --process NAME`: watch one process until it ends.
struct ArgusTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "argus-trace",
        abstract: "Watch a Linux process without touching it and record its life to SQLite.",
        discussion: """
            Samples CPU %, RSS, threads and more from /proc every --interval seconds, sees the \
            process's end the instant it happens (netlink proc connector), records its exact exit \
            status, and exits right after it.

            While it watches, it samples every thread 5 times a second into a ring of the last \
            30 s. When the process stalls (a thread in D state, stopped, starved or waiting for a \
            CPU, or the system under cpu/memory/io pressure) it records the stall, saves the ring's \
            samples from before it, and snapshots every thread's state, wchan, syscall and kernel \
            stack with the machine's top CPU and I/O users: at entry, at a new peak, at \
            checkpoints, and when it ends.

            Examples:
              argus-trace --pid 12345
              argus-trace run -- ./integration-tests.sh     (see argus-trace run --help)
              argus-trace --process myservice --interval 1
              argus-trace --process worker --wait --app-name Worker --db /tmp/worker.db
              argus-trace --process nginx --follow-children     (the master and every worker)
              argus-trace --cgroup system.slice/myapp.service --follow-restarts
              argus-trace --unit postgresql --follow-restarts --max-restarts 5
              argus-trace --pid 12345 --stall-d-state 0.5 --stall-window 60
              argus-trace stalls                             (stalls recorded; see argus-trace stalls --help)
              argus-trace --unit myapp --follow-restarts --retention 30d --max-db-size 2GiB
              argus-trace --unit myapp --follow-restarts --metrics-listen 127.0.0.1:9464   (Prometheus /metrics)
              argus-trace prune --older-than 30d --vacuum    (see argus-trace prune --help)
              argus-trace sessions                           (sessions recorded)
              argus-trace report --html last.html            (see argus-trace report --help)
              argus-trace --process myapp --alert 'cpu > 80 for 30s' --alert 'exit != 0' --on-alert ./page
              argus-trace --config /etc/argus-trace/myapp.yaml   (argus-trace config check FILE checks one)
              argus-trace --process myservice --otlp-endpoint http://localhost:4318
              argus-trace --process myservice --server http://localhost:8000    (API key: ARGUS_API_KEY)
              argus-trace upload --server http://localhost:8000  (see argus-trace upload --help)

            Exit status: 0 the target ended and every row was saved; 1 no such process (or it \
            cannot be watched); 2 bad command line; 3 some rows could not be saved to the \
            database; 4 argus-trace could not set itself up (or listen on --metrics-listen); 128+N stopped by signal N \
            (SIGHUP 129, SIGINT 130, SIGTERM 143), after saving everything.
            """,
        version: ArgusVersion.current,
        subcommands: [
            RunCommand.self, StallsCommand.self, PruneCommand.self, SessionsCommand.self, ReportCommand.self,
            ConfigCommand.self, UploadCommand.self,
        ]
    )

    @Option(name: .long, help: ArgumentHelp("Process ID to watch.", valueName: "pid"))
    var pid: Int32?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Watch the newest process whose name, executable or argv[0] is NAME.", valueName: "name"))
    var process: String?

    @Flag(name: .long, help: "With --process: if none runs yet, wait for one to start.")
    var wait = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Watch every process in this cgroup v2 group (absolute, or relative to the cgroup2 mount).",
            valueName: "path"))
    var cgroup: String?

    @Option(
        name: .long, help: ArgumentHelp("Watch every process of this systemd unit (its cgroup).", valueName: "name"))
    var unit: String?

    @Flag(name: .long, help: "Watch the target and every descendant; with --process, the top of the named tree.")
    var followChildren = false

    @Flag(
        name: .long,
        help: "With --process, --cgroup or --unit: when the service ends, wait for it to start again (same session).")
    var followRestarts = false

    @Option(name: .long, help: ArgumentHelp("With --follow-restarts: stop after this many restarts.", valueName: "n"))
    var maxRestarts: Int?

    @OptionGroup var recording: RecordingOptions

    @OptionGroup(title: "Stall detection") var stalls: StallOptions

    mutating func validate() throws {
        let targets = [pid != nil, process != nil, cgroup != nil, unit != nil].filter { $0 }.count
        if targets > 1 { throw ValidationError("--pid, --process, --cgroup and --unit are mutually exclusive") }
        if let cgroup, cgroup.isEmpty { throw ValidationError("--cgroup needs a path") }
        if let unit, unit.isEmpty { throw ValidationError("--unit needs a unit name") }
        if followRestarts && pid != nil {
            throw ValidationError(
                "--follow-restarts goes with --process, --cgroup or --unit (a PID does not come back)")
        }
        if let maxRestarts {
            if !followRestarts { throw ValidationError("--max-restarts goes with --follow-restarts") }
            if maxRestarts < 0 { throw ValidationError("--max-restarts must be 0 or more (got \(maxRestarts))") }
        }
        if let pid, pid <= 0 { throw ValidationError("--pid must be a positive process ID, not \(pid)") }
        if let process, process.isEmpty { throw ValidationError("--process needs a non-empty name") }
        if wait && process == nil { throw ValidationError("--wait goes with --process") }
        try recording.validate()
        try stalls.validate()
        if stalls.stallLogSilence != nil && recording.logfile.isEmpty {
            throw ValidationError("--stall-log-silence needs a --logfile to watch")
        }
    }

    func run() throws {
        // Checked here, not in validate(): ArgumentParser validates this command before it
        // descends into `run`, which has no --pid.
        let target: WatchOptions.Target
        if let pid {
            target = .pid(pid)
        } else if let process {
            target = .name(process, wait: wait)
        } else if let cgroup {
            target = .cgroup(cgroup)
        } else if let unit {
            target = .unit(unit)
        } else {
            throw ValidationError("one of --pid, --process, --cgroup or --unit is required")
        }
        let options = WatchOptions(
            target: target, recording: recording.settings, stalls: stalls.settings, followChildren: followChildren,
            followRestarts: followRestarts, maxRestarts: maxRestarts)
        let status = Session.watch(options)
        if status != 0 { throw ExitCode(status) }
    }
}
