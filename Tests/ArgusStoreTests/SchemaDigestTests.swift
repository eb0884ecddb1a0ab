import Testing

@testable import ArgusStore

@Suite struct SchemaDigestTests {
    @Test func theLatestTablesDigestIsTheMigrations() throws {
        let digest = Schema.digest(try Schema.tables(atVersion: Schema.version))
        #expect(
            digest == Schema.latestTablesDigest,
            "Schema.latestTablesDigest should be 0x\(String(digest, radix: 16)) after a migration")
    }

    @Test func theLatestDefinitionsDigestIsANewDatabases() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try Schema.migrate(database)
        let digest = try Schema.definitionsDigest(in: database)
        #expect(
            digest == Schema.latestDefinitionsDigest,
            "Schema.latestDefinitionsDigest should be 0x\(String(digest, radix: 16)) after a migration")
    }

    @Test func aMigratedDatabaseHasOtherDefinitionsButTheSameTables() throws {
        let migrated = try SQLiteDatabase(path: ":memory:")
        try Schema.migrate(migrated, upTo: 1)
        try Schema.migrate(migrated)
        #expect(try Schema.definitionsDigest(in: migrated) != Schema.latestDefinitionsDigest)
        #expect(Schema.digest(try Schema.tables(in: migrated)) == Schema.latestTablesDigest)
    }

    @Test func aDigestTellsTablesAndColumnsApart() {
        let base = Schema.digest(["a": ["x", "y"], "b": ["z"]])
        #expect(base == Schema.digest(["b": ["z"], "a": ["y", "x"]]))
        #expect(base != Schema.digest(["a": ["x", "y"], "b": ["z"], "c": ["w"]]))
        #expect(base != Schema.digest(["a": ["x"], "b": ["y", "z"]]))
        #expect(base != Schema.digest(["a": ["x", "y"]]))
    }
}
