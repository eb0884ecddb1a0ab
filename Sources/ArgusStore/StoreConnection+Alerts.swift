import ArgusCore

/// The prepared statements for alert rows.
struct AlertStatements {
    let insertAlert: SQLiteStatement
    let clearAlert: SQLiteStatement

    init(_ database: SQLiteDatabase) throws(SQLiteError) {
        insertAlert = try database.prepare(
            """
            INSERT INTO alerts (session_id, alert_number, rule, app_name, process_id, process_name, fired_at,
                fired_at_ns, value, detail, cleared_at, cleared_at_ns)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """)
        clearAlert = try database.prepare(
            """
            UPDATE alerts SET cleared_at = ?3, cleared_at_ns = ?4, cleared_value = ?5, clear_reason = ?6
            WHERE session_id = ?1 AND alert_number = ?2 AND cleared_at_ns IS NULL
            """)
    }
}

extension StoreConnection {
    /// A firing; one that fires per occurrence is cleared at the instant it fired.
    func insert(_ alert: AlertRecord, in session: SessionRows) throws(SQLiteError) {
        let cleared = alert.isInstant ? alert.fired : nil
        try alertStatements.insertAlert.run([
            .integer(session.sessionID), .int(alert.id), .text(alert.rule), .text(alert.appName), .int(alert.pid),
            .string(alert.processName), .text(alert.fired.iso8601), .integer(alert.fired.nanoseconds),
            alert.value.map { .real($0) }, .text(alert.detail), .string(cleared?.iso8601), .int(cleared?.nanoseconds),
        ])
    }

    /// The clearing completes the session's row of that alert number (the number is the
    /// session's, so a new connection after a failure finds it as well).
    func update(_ clear: AlertClearRecord, in session: SessionRows) throws(SQLiteError) {
        try alertStatements.clearAlert.run([
            .integer(session.sessionID), .int(clear.id), .text(clear.cleared.iso8601),
            .integer(clear.cleared.nanoseconds), clear.value.map { .real($0) }, .text(clear.reason),
        ])
    }
}
