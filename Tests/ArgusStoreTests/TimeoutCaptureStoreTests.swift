import ArgusCore
import ArgusStore
import Testing

/// A timeout stall's snapshot with the whole tree: written, read back the same, and still read
/// from files that lack or mangle the tree's columns.
@Suite struct TimeoutCaptureStoreTests {
    static let captured = WallTime(nanoseconds: 1_769_523_830_000_000_000)

    static let processes = [
        ProcessCapture(
            pid: 100, parentPID: 1, name: "sh", argv: ["/bin/sh", "-c", "sleep 30 & \"x\"\n\\ é"], cwd: "/work/ci",
            state: "S", cpuNs: 20_000_000, startTicks: 5_000, started: WallTime(nanoseconds: 1_769_523_800_000_000_000),
            children: [101, 102], stackError: nil),
        ProcessCapture(
            pid: 101, parentPID: 100, name: "sleep", argv: ["sleep", "30"], cwd: "/work/ci", state: "S", cpuNs: 0,
            startTicks: 5_001, started: WallTime(nanoseconds: 1_769_523_800_010_000_000), children: [],
            stackError: "eu-stack: dwfl_thread_getframes tid 101: Operation not permitted"),
        ProcessCapture(pid: 102, captureError: "not read: the capture's time budget ran out"),
    ]

    static let threads = [
        ThreadCapture(
            tid: 100, name: "sh", state: "S", wchan: "do_wait",
            syscall: "61 0xffffffff 0x7ffd 0x0 0x0 0x0 0x0 0x7ffd 0x7f",
            kernelStack: "[<0>] do_wait+0x5c/0xe0\n[<0>] kernel_wait4+0xa6/0x150", cpuNs: 20_000_000, runDelayNs: 10,
            pid: 100,
            userStack:
                "#0  0x00007f0b6592dbd3 wait4 - /usr/lib/x86_64-linux-gnu/libc.so.6\n#1  0x00005645e35053f2 - /usr/bin/dash"
        ),
        ThreadCapture(
            tid: 101, name: "sleep", state: "S", wchan: "hrtimer_nanosleep", syscall: "230 0x0 0x0",
            kernelStack: "[<0>] x",
            cpuNs: 0, runDelayNs: 0, pid: 101, userStack: nil),
    ]

    func write(_ path: String) throws {
        let writer = try Fixtures.writer(path)
        writer.submit(
            [
                .stall(
                    StallRecord(
                        id: 1, kind: .timeout, pid: 100, startTicks: 5_000, appName: "ci", processName: "sh",
                        started: Self.captured, detected: Self.captured, tid: nil, trigger: "deadline of 30 s passed",
                        threshold: 30, value: 30, windowNs: 0)),
                .stallSnapshot(
                    StallSnapshotRecord(
                        stallID: 1, type: .entry, time: Self.captured, threads: Self.threads, pressure: [:],
                        processes: Self.processes)),
            ], urgent: true)
        #expect(writer.close().unsaved == 0)
    }

    @Test func aTimeoutSnapshotReadsBackWithItsTreeAndUserStacks() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        try write(path)
        let reader = try StallReader(path: path)
        let stall = try #require(try reader.stall(id: 1))
        #expect(stall.kind == "timeout")
        let snapshot = try #require(try reader.snapshots(of: 1).first)
        #expect(snapshot.processes == Self.processes)
        #expect(snapshot.threads == Self.threads)
    }

    @Test func snapshotsOfOtherStallsHaveNoTree() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let writer = try Fixtures.writer(path)
        let plain = ThreadCapture(
            tid: 43, name: "app", state: "T", wchan: nil, syscall: nil, kernelStack: nil, cpuNs: 1, runDelayNs: 2)
        writer.submit(
            [
                Fixtures.stall(1),
                .stallSnapshot(
                    StallSnapshotRecord(stallID: 1, type: .entry, time: Self.captured, threads: [plain], pressure: [:])),
            ], urgent: true)
        _ = writer.close()
        let snapshot = try #require(try StallReader(path: path).snapshots(of: 1).first)
        #expect(snapshot.processes.isEmpty)
        #expect(snapshot.threads == [plain])
    }

    @Test func aFileFromBeforeTheTreeColumnsIsStillRead() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/v7.db"
        let database = try SQLiteDatabase(path: path)
        try Schema.migrate(database, upTo: 7)
        try database.execute(
            """
            INSERT INTO stalls (id, session_id, process_id, kind, started_at, started_ns, trigger)
                VALUES (1, 1, 42, 'stopped', 'x', 1, 't');
            INSERT INTO stall_snapshots (id, stall_id, snapshot_type, captured_at, captured_ns) VALUES (1, 1, 'entry', 'x', 2);
            INSERT INTO stall_threads (snapshot_id, thread_id, thread_name) VALUES (1, 42, 'old');
            """)
        let snapshot = try #require(try StallReader(path: path).snapshots(of: 1).first)
        #expect(snapshot.threads.map(\.name) == ["old"])
        #expect(snapshot.threads.first?.pid == nil)
        #expect(snapshot.processes.isEmpty)
    }

    @Test func mangledTreeRowsReadWithoutATrap() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        try write(path)
        try SQLiteDatabase(path: path).execute(
            """
            INSERT INTO stall_processes (snapshot_id, process_id, parent_pid, argv, children, cpu_ns, start_time_ticks,
                    started_ns, state)
                VALUES (1, 9000000000, -9000000000, '["a", "\\ud800", "\\u00e9\\ud83d\\ude00", 3]', '[1, 99999999999, "x"]',
                    -5, -1, -9223372036854775808, x'00ff');
            INSERT INTO stall_processes (snapshot_id, process_id, argv, children) VALUES (1, 7, '["unterminated', '[1,');
            INSERT INTO stall_processes (snapshot_id, process_id, argv, children) VALUES (1, 8, 12, 3.5);
            UPDATE stall_threads SET process_id = 99999999999, user_stack = x'ff00ff' WHERE thread_id = 101;
            """)
        let snapshot = try #require(try StallReader(path: path).snapshots(of: 1).first)
        let odd = Array(snapshot.processes.dropFirst(3))
        #expect(odd.map(\.pid) == [Int32.max, 7, 8])
        #expect(odd[0].parentPID == Int32.min)
        #expect(odd.allSatisfy { $0.argv.isEmpty && $0.children.isEmpty })
        #expect(odd[0].cpuNs == 0)
        #expect(snapshot.threads.contains { $0.pid == Int32.max })
    }
}
