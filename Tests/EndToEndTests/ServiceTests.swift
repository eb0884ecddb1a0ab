import Foundation
import Testing

extension EndToEnd {
    /// Watching a service rather than one PID: its tree, its cgroup, its restarts.
    @Suite struct ServiceTests {
        /// The tracer's usual flags here: fast samples, no stall ring (not under test).
        let quick = ["--interval", "0.2", "--no-stalls"]

        @Test func aTreeIsFollowedFromBeforeAndAfterAttachAndAGrandchildsStatusIsExact() throws {
            let scratch = Scratch()
            // `sleep` runs before attach; after the first line, a subshell runs a grandchild that exits 3.
            let script = "sleep 30 & read x; ( sh -c 'exit 3'; true ); read y; kill $!; wait; exit 0"
            let root = try Child("/bin/sh", ["-c", script], scratch: scratch, label: "tree")
            #expect(
                eventually {
                    (try? String(contentsOfFile: "/proc/\(root.pid)/task/\(root.pid)/children", encoding: .utf8))?
                        .isEmpty == false
                })
            let tracer = try startTracer(["--pid", "\(root.pid)", "--follow-children"] + quick, scratch: scratch)
            #expect(waitAttached(tracer))
            #expect(tracer.stdout.contains("Members: 2 process(es)"), "stdout: \(tracer.stdout)")
            root.openGate()
            let exitThree = "event_type = 'terminated' AND exit_code = 3"
            #expect(
                eventually {
                    ((try? Rows(scratch.database).int("SELECT count(*) FROM process_events WHERE \(exitThree)")) ?? 0)
                        == 1
                })
            root.openGate()
            #expect(tracer.exitStatus() == 0)
            #expect(root.exitStatus() == 0)

            let rows = try Rows(scratch.database)
            // The grandchild's parent is the subshell, whose parent is the root.
            let grandchildParent = try rows.int("SELECT parent_pid FROM process_events WHERE \(exitThree)") ?? 0
            #expect(try rows.int("SELECT parent_pid FROM processes WHERE pid = \(grandchildParent)") == Int64(root.pid))
            #expect(try rows.int("SELECT exit_code FROM processes WHERE exit_code = 3") == 3)
            // sleep (before attach) ended by kill: SIGTERM.
            #expect(
                try rows.int("SELECT count(*) FROM process_events WHERE event_type = 'terminated' AND signal = 15") == 1
            )
            #expect(
                try rows.int(
                    "SELECT exit_code FROM process_events WHERE event_type = 'terminated' AND process_id = \(root.pid)")
                    == 0)
            #expect(try rows.int("SELECT count(*) FROM processes") == 4)
            #expect(try rows.int("SELECT count(*) FROM group_samples") ?? 0 >= 1)
            #expect(tracer.stdout.contains("ended: exit code: 3"))
            #expect(tracer.stdout.contains("| Processes="))
        }

        @Test func theTopOfTheNamedTreeIsChosen() throws {
            let scratch = Scratch()
            let (link, name) = scratch.testeeNamed("tree-top")
            // The child starts first under NAME; then the shell becomes NAME itself (exec): the
            // newest match is the child, the top of the tree is its parent.
            let parent = try Child(
                "/bin/sh", ["-c", "\(link) sleep 30 & exec \(link) gate exit 0"], scratch: scratch, label: "top")
            let comm = String(name.prefix(15))
            var child: Int32 = 0
            #expect(
                eventually {
                    child = ProcView.children(of: parent.pid).first ?? 0
                    return ProcView.comm(parent.pid) == comm && ProcView.comm(child) == comm
                })
            let tracer = try startTracer(["--process", name, "--follow-children"] + quick, scratch: scratch)
            #expect(waitAttached(tracer))
            #expect(
                tracer.stdout.contains("2 processes match '\(name)'; watching the top of the newest tree"),
                "stdout: \(tracer.stdout)")
            #expect(tracer.stdout.contains("(PID: \(parent.pid))"))
            #expect(tracer.stdout.contains("Members: 2 process(es)"))
            parent.openGate()
            #expect(parent.exitStatus() == 0)
            kill(child, SIGTERM)  // the orphan is still a member: the session ends with it
            #expect(tracer.exitStatus() == 0)
            #expect(
                try Rows(scratch.database).texts(
                    "SELECT exit_code FROM process_events WHERE event_type = 'terminated' ORDER BY id") == ["0", "143"])
        }

        @Test func aProcessMovedIntoTheCgroupIsPickedUpAndTheSessionEndsWhenItEmpties() throws {
            let scratch = Scratch()
            let group = try TestCgroup()
            let first = try Child(Binaries.testee, ["gate", "exit", "0"], scratch: scratch, label: "first")
            try group.move(first.pid)
            let tracer = try startTracer(["--cgroup", group.relativePath] + quick, scratch: scratch)
            #expect(waitAttached(tracer))
            // From outside: started elsewhere, then moved in.
            let second = try Child(Binaries.testee, ["gate", "exit", "5"], scratch: scratch, label: "second")
            try group.move(second.pid)
            let joined = "event_type = 'started' AND process_id = \(second.pid) AND detail LIKE 'found in cgroup%'"
            #expect(
                eventually {
                    ((try? Rows(scratch.database).int("SELECT count(*) FROM process_events WHERE \(joined)")) ?? 0) == 1
                })
            first.openGate()
            second.openGate()
            #expect(tracer.exitStatus() == 0)
            let rows = try Rows(scratch.database)
            #expect(
                try rows.int(
                    "SELECT exit_code FROM process_events WHERE event_type = 'terminated' AND process_id = \(second.pid)"
                ) == 5)
            #expect(try rows.texts("SELECT end_reason FROM sessions") == ["target exited"])
        }

        @Test func theSameNameStartedThreeTimesIsOneSessionWithThreeGenerations() throws {
            let scratch = Scratch()
            let (link, name) = scratch.testeeNamed("restarts")
            let tracer = try startTracer(
                ["--process", name, "--follow-restarts", "--max-restarts", "2"] + quick, scratch: scratch)
            #expect(eventually { tracer.stdout.contains("Waiting for a process named") })
            for generation in 1...3 {
                let incarnation = try Child(
                    link, ["gate", "exit", "\(generation)"], scratch: scratch, label: "gen\(generation)")
                let seen =
                    "process_id = \(incarnation.pid) AND event_type IN ('started', 'restarted', 'monitoring_started')"
                #expect(
                    eventually {
                        ((try? Rows(scratch.database).int("SELECT count(*) FROM process_events WHERE \(seen)")) ?? 0)
                            >= 1
                    })
                incarnation.openGate()
                #expect(incarnation.exitStatus() == Int32(generation))
            }
            #expect(tracer.exitStatus() == 0)
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT count(*) FROM sessions") == 1)
            #expect(try rows.int("SELECT restarts FROM sessions") == 2)
            #expect(
                try rows.texts(
                    "SELECT generation || ':' || exit_code FROM process_events WHERE event_type = 'terminated' ORDER BY id"
                ) == ["1:1", "2:2", "3:3"])
            #expect(try rows.int("SELECT count(*) FROM process_events WHERE event_type = 'restarted'") == 2)
            #expect(tracer.stdout.contains("Restarts: 2"))
        }

        @Test func nginxThroughTwoReloadsIsOneSessionUntilQuit() throws {
            let scratch = Scratch()
            let nginx = try NginxServer(scratch: scratch, workers: 2)
            let tracer = try startTracer(
                ["--pid", "\(nginx.masterPid)", "--follow-children"] + quick, scratch: scratch)
            #expect(waitAttached(tracer))
            #expect(tracer.stdout.contains("Members: 3 process(es)"), "stdout: \(tracer.stdout)")
            // A group row of the master and its 2 workers, before anything changes.
            let steady = "SELECT count(*) FROM group_samples WHERE process_count = 3"
            #expect(eventually(within: 20) { ((try? Rows(scratch.database).int(steady)) ?? 0) >= 1 })
            var workers = Set(nginx.workerPids())
            try nginx.reload()
            workers.formUnion(nginx.workerPids())
            try nginx.reload()
            workers.formUnion(nginx.workerPids())
            #expect(workers.count == 6)
            // Still watching after both reloads: the old workers' ends are in, the session is not.
            let oldEnded = "event_type = 'terminated' AND process_id <> \(nginx.masterPid)"
            #expect(
                eventually {
                    ((try? Rows(scratch.database).int("SELECT count(*) FROM process_events WHERE \(oldEnded)")) ?? 0)
                        == 4
                })
            #expect(tracer.isRunning)
            try nginx.quit()
            #expect(tracer.exitStatus() == 0)

            let rows = try Rows(scratch.database)
            let list = workers.sorted().map(String.init).joined(separator: ",")
            #expect(try rows.int("SELECT count(*) FROM processes WHERE pid IN (\(list)) AND exit_code = 0") == 6)
            #expect(try rows.int("SELECT exit_code FROM processes WHERE pid = \(nginx.masterPid)") == 0)
            #expect(
                try rows.int(
                    "SELECT count(*) FROM process_events WHERE event_type = 'started' AND parent_pid = \(nginx.masterPid)"
                ) == 4)
        }

        @Test func postgresBackendsComeAndGoAndAreCounted() throws {
            let scratch = Scratch()
            let postgres = try PostgresServer(scratch: scratch)
            _ = try postgres.pgbench(transactions: 1, clients: 1)  // pgbench -i first, unwatched
            let tracer = try startTracer(
                ["--pid", "\(postgres.postmasterPid)", "--follow-children"] + quick, scratch: scratch)
            #expect(waitAttached(tracer))
            let output = try postgres.pgbench(transactions: 10, clients: 2)
            #expect(output.contains("number of transactions actually processed: 20/20"))
            // Every transaction's backend was a member that started and ended.
            let backends = "parent_pid = \(postgres.postmasterPid) AND exit_code IS NOT NULL"
            #expect(
                eventually {
                    ((try? Rows(scratch.database).int("SELECT count(*) FROM processes WHERE \(backends)")) ?? 0) >= 20
                })
            #expect(
                eventually {
                    ((try? Rows(scratch.database).int("SELECT sum(processes_started) FROM group_samples")) ?? 0) >= 20
                })
            try postgres.stop()
            #expect(tracer.exitStatus() == 0)
            let rows = try Rows(scratch.database)
            #expect(try rows.int("SELECT exit_code FROM processes WHERE pid = \(postgres.postmasterPid)") == 0)
            #expect(try rows.int("SELECT count(*) FROM processes WHERE ended_ns IS NULL") == 0)
        }

        @Test func withoutSystemdUnitSaysWhatIsMissing() throws {
            let scratch = Scratch()
            guard FileManager.default.fileExists(atPath: "/run/systemd/system") == false else { return }
            let tracer = try startTracer(["--unit", "nginx"], scratch: scratch)
            #expect(tracer.exitStatus() == 1)
            #expect(tracer.stderr.contains("--unit needs systemd as the init system"), "stderr: \(tracer.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.database))
        }
    }
}

/// A cgroup v2 group of the test's own under the cgroup2 mount (found in /proc/self/mountinfo),
/// removed at the end once empty.
final class TestCgroup {
    let path: String
    let relativePath: String

    init() throws {
        let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        guard
            let mount = mountinfo.split(separator: "\n").compactMap({ line -> String? in
                let fields = line.split(separator: " ")
                guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields[dash + 1] == "cgroup2"
                else { return nil }
                return String(fields[4])
            }).first
        else { throw POSIXError(.ENOENT) }
        relativePath = "argus-test-" + UUID().uuidString.prefix(8).lowercased()
        path = mount + "/" + relativePath
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    func move(_ pid: Int32) throws {
        try "\(pid)\n".write(toFile: path + "/cgroup.procs", atomically: false, encoding: .utf8)
    }

    deinit {
        // Whatever is left goes back to the root group, so the directory can go.
        let mount = String(path.dropLast(relativePath.count + 1))
        for pid in ((try? String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n")
        {
            try? "\(pid)\n".write(toFile: mount + "/cgroup.procs", atomically: false, encoding: .utf8)
        }
        rmdir(path)
    }
}
