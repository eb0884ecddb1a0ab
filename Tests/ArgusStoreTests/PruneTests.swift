import ArgusCore
import ArgusStore
import Testing

@Suite struct PruneTests {
    let now = RetentionFixture.now
    let day = RetentionFixture.day

    @Test func olderThan30DaysRemovesExactlyThoseSessionsAndLeavesNoOrphan() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let live = try #require(try RetentionFixture.fill(path))
        let liveRows = try RetentionFixture.rows(of: live, in: path)
        let before = try RetentionFixture.sessionIDs(in: path)
        #expect(before.count == 61)

        let report = try Prune.run(
            path: path, rule: RetentionRule(olderThanNs: UInt64(30 * day)), dryRun: false, vacuum: false, nowNs: now)

        // Sessions started 60…31 days ago ended an hour later, before the cutoff; the one 30 days
        // ago ended after it. The live one (59 days old) stays.
        #expect(report.sessions.count == 30)
        #expect(report.unfinishedKept == 1)
        let after = try RetentionFixture.sessionIDs(in: path)
        #expect(after.count == 31)
        #expect(after.contains(live))
        #expect(Set(after).isDisjoint(with: report.sessions))
        #expect(try RetentionFixture.rows(of: live, in: path) == liveRows)
        for (table, count) in try RetentionFixture.orphans(in: path) { #expect(count == 0, "orphans in \(table)") }
        #expect(report.removed(from: "performance_metrics") == 30 * 40)
        #expect(report.removed(from: "stall_threads") == 30)
        #expect(report.removed(from: "stall_processes") == 30)
        #expect(report.rows.last?.table == "sessions")
    }

    @Test func vacuumShrinksTheFile() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        try RetentionFixture.fill(path, live: false)
        let before = FileState(path).bytes.count
        let report = try Prune.run(
            path: path, rule: RetentionRule(olderThanNs: UInt64(30 * day)), dryRun: false, vacuum: true, nowNs: now)
        let after = FileState(path).bytes.count
        #expect(after < before * 6 / 10, "\(before) → \(after)")
        #expect(report.freedBytes > 0)
        // VACUUM switched the file to incremental auto_vacuum: the next prune shrinks it without one.
        let next = try Prune.run(
            path: path, rule: RetentionRule(olderThanNs: UInt64(10 * day)), dryRun: false, vacuum: false, nowNs: now)
        #expect(next.sessions.count == 20)
        #expect(next.bytesAfter < next.bytesBefore)
        #expect(FileState(path).bytes.count < after)
    }

    @Test func maxSizeRemovesTheOldestUntilTheUsedBytesFit() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        try RetentionFixture.fill(path, days: 20, live: false)
        let ids = try RetentionFixture.sessionIDs(in: path)
        let full = try Prune.run(path: path, rule: RetentionRule(), dryRun: true, vacuum: false, nowNs: now)
        let limit = full.usedBefore / 2
        let report = try Prune.run(
            path: path, rule: RetentionRule(maxBytes: UInt64(limit)), dryRun: false, vacuum: false, nowNs: now)
        #expect(report.usedAfter <= limit)
        #expect(report.sessions == Array(ids.prefix(report.sessions.count)))
        #expect(report.sessions.count >= 7 && report.sessions.count <= 12, "\(report.sessions.count) of 20")
        for (table, count) in try RetentionFixture.orphans(in: path) { #expect(count == 0, "orphans in \(table)") }
    }

    @Test func keepSessionsKeepsTheNewest() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        try RetentionFixture.fill(path, days: 10, live: false)
        let ids = try RetentionFixture.sessionIDs(in: path)
        let report = try Prune.run(
            path: path, rule: RetentionRule(keepSessions: 3), dryRun: false, vacuum: false, nowNs: now)
        #expect(report.sessions == Array(ids.prefix(7)))
        #expect(try RetentionFixture.sessionIDs(in: path) == Array(ids.suffix(3)))
    }

    @Test func anUnfinishedSessionGoesOnlyWhenAskedFor() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        let live = try #require(try RetentionFixture.fill(path, days: 5))
        let rule = RetentionRule(keepSessions: 0, includeUnfinished: true)
        let report = try Prune.run(path: path, rule: rule, dryRun: false, vacuum: false, nowNs: now)
        #expect(report.sessions.contains(live))
        #expect(try RetentionFixture.sessionIDs(in: path).isEmpty)
    }

    @Test func dryRunChangesNothingAndNamesWhatAPruneRemoves() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/argus.db"
        try RetentionFixture.fill(path)
        let before = FileState(path)
        let rule = RetentionRule(olderThanNs: UInt64(30 * day))
        let preview = try Prune.run(path: path, rule: rule, dryRun: true, vacuum: true, nowNs: now)
        #expect(FileState(path) == before)
        #expect(!FileState.exists(path + "-wal"))
        let report = try Prune.run(path: path, rule: rule, dryRun: false, vacuum: false, nowNs: now)
        #expect(preview.sessions == report.sessions)
        #expect(preview.rows.map(\.count) == report.rows.map(\.count))
    }

    @Test func aMissingOrForeignFileIsRefused() throws {
        let scratch = ScratchDirectory()
        #expect(throws: StoreRefusal.self) {
            try Prune.run(
                path: scratch.path + "/none.db", rule: RetentionRule(keepSessions: 1), dryRun: false, vacuum: false,
                nowNs: 0)
        }
        FileState.write(Array("not a database".utf8), to: scratch.path + "/text.db")
        #expect(throws: StoreRefusal.self) {
            try Prune.run(
                path: scratch.path + "/text.db", rule: RetentionRule(keepSessions: 1), dryRun: false, vacuum: false,
                nowNs: 0)
        }
    }
}
