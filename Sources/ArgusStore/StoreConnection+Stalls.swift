import ArgusCore

/// The prepared statements for stall rows.
struct StallStatements {
    let insertStall: SQLiteStatement
    let updateStall: SQLiteStatement
    let insertSnapshot: SQLiteStatement
    let insertThread: SQLiteStatement
    let insertProcess: SQLiteStatement
    let insertSample: SQLiteStatement

    init(_ database: SQLiteDatabase) throws(SQLiteError) {
        insertStall = try database.prepare(
            """
            INSERT INTO stalls (session_id, app_name, process_name, process_id, start_time_ticks, kind, started_at,
                started_ns, thread_id, trigger, threshold, entry_value, window_ns, detected_at, detected_ns)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
            """)
        updateStall = try database.prepare(
            """
            UPDATE stalls SET ended_at = ?2, ended_ns = ?3, duration_ms = ?4, end_reason = ?5, peak_value = ?6,
                peak_at = ?7, peak_ns = ?8, checkpoints = ?9
            WHERE id = ?1
            """)
        insertSnapshot = try database.prepare(
            """
            INSERT INTO stall_snapshots (stall_id, snapshot_type, captured_at, captured_ns, pressure_cpu,
                pressure_memory, pressure_io, top_cpu, top_io)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        insertThread = try database.prepare(
            """
            INSERT INTO stall_threads (snapshot_id, thread_id, thread_name, state, wchan, syscall, kernel_stack,
                cpu_ns, run_delay_ns, process_id, user_stack)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """)
        insertProcess = try database.prepare(
            """
            INSERT INTO stall_processes (snapshot_id, process_id, parent_pid, process_name, argv, cwd, state, cpu_ns,
                start_time_ticks, started_at, started_ns, children, stack_error, capture_error)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
            """)
        insertSample = try database.prepare(
            """
            INSERT INTO fine_samples (session_id, process_id, timestamp, timestamp_ns, thread_id, thread_name, state,
                cpu_ns, run_delay_ns, minor_faults, major_faults, wchan, processor, cpu_pressure_total_us,
                memory_pressure_total_us, io_pressure_total_us)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
            """)
    }
}

extension StoreConnection {
    func insert(_ stall: StallRecord, in session: inout SessionRows) throws(SQLiteError) {
        try stallStatements.insertStall.run([
            .integer(session.sessionID), .text(stall.appName), .text(stall.processName), .int(stall.pid),
            .int(stall.startTicks), .text(stall.kind.rawValue), .text(stall.started.iso8601),
            .integer(stall.started.nanoseconds), .int(stall.tid), .text(stall.trigger), .real(stall.threshold),
            .real(stall.value), .int(stall.windowNs), .text(stall.detected.iso8601),
            .integer(stall.detected.nanoseconds),
        ])
        session.stallRows[stall.id] = database.lastInsertRowID
    }

    func update(_ end: StallEndRecord, in session: SessionRows) throws(SQLiteError) {
        // A stall row that was never saved was counted as unsaved already; its parts go with it.
        guard let row = session.stallRows[end.id] else { return }
        try stallStatements.updateStall.run([
            .integer(row), .text(end.ended.iso8601), .integer(end.ended.nanoseconds),
            .real(Double(end.durationNs) / 1e6), .text(end.reason), .real(end.peakValue), .text(end.peakAt.iso8601),
            .integer(end.peakAt.nanoseconds), .int(end.checkpoints),
        ])
    }

    func insert(_ snapshot: StallSnapshotRecord, in session: SessionRows) throws(SQLiteError) {
        guard let row = session.stallRows[snapshot.stallID] else { return }
        try stallStatements.insertSnapshot.run([
            .integer(row), .text(snapshot.type.rawValue), .text(snapshot.time.iso8601),
            .integer(snapshot.time.nanoseconds), .string(snapshot.pressure[.cpu]), .string(snapshot.pressure[.memory]),
            .string(snapshot.pressure[.io]), .string(snapshot.topCPU.map(TopConsumer.json)),
            .string(snapshot.topIO.map(TopConsumer.json)),
        ])
        let snapshotRow = database.lastInsertRowID
        for thread in snapshot.threads {
            try stallStatements.insertThread.run([
                .integer(snapshotRow), .int(thread.tid), .text(thread.name), .text(thread.state), .string(thread.wchan),
                .string(thread.syscall), .string(thread.kernelStack), .int(thread.cpuNs), .int(thread.runDelayNs),
                .int(thread.pid), .string(thread.userStack),
            ])
        }
        for process in snapshot.processes {
            try stallStatements.insertProcess.run([
                .integer(snapshotRow), .int(process.pid), .int(process.parentPID), .string(process.name),
                .text(JSONText.array(process.argv)), .string(process.cwd), .string(process.state), .int(process.cpuNs),
                .int(process.startTicks), .string(process.started?.iso8601), .int(process.started?.nanoseconds),
                .text("[" + process.children.map(String.init).joined(separator: ",") + "]"),
                .string(process.stackError), .string(process.captureError),
            ])
        }
    }

    func insert(_ record: FineSampleRecord, in session: SessionRows) throws(SQLiteError) {
        for sample in record.samples {
            let pressure = PressureResource.allCases.map { SQLiteValue.int(sample.pressure[$0]) }
            for thread in sample.threads {
                try stallStatements.insertSample.run(
                    [
                        .integer(session.sessionID), .int(record.pid), .text(sample.time.iso8601),
                        .integer(sample.time.nanoseconds), .int(thread.tid), .text(thread.name),
                        .text(String(thread.state)), .int(thread.cpuNs), .int(thread.runDelayNs),
                        .int(thread.minorFaults), .int(thread.majorFaults), .string(thread.wchan),
                        .int(thread.processor),
                    ] + pressure)
            }
        }
    }
}
