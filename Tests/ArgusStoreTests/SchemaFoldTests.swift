import Testing

@testable import ArgusStore

@Suite struct SchemaFoldTests {
    @Test func everyAlterOfTheMigrationsIsFoldedForANewDatabase() {
        #expect(!Schema.newDatabaseScript.uppercased().contains("ALTER TABLE"), "\(Schema.newDatabaseScript)")
    }

    @Test func aTableEndingInAConstraintOrWithACommentKeepsItsAltersInOrder() throws {
        let script = Schema.folded([
            "CREATE TABLE t (\n    a INTEGER,\n    PRIMARY KEY (a)\n);\nCREATE TABLE c (\n    p INTEGER -- note\n);",
            "ALTER TABLE t ADD COLUMN b INTEGER;\nALTER TABLE c ADD COLUMN q TEXT;",
            "CREATE TABLE u (\n    x INTEGER\n);\nALTER TABLE u ADD COLUMN y TEXT;\nALTER TABLE t ADD COLUMN d REAL;",
        ])
        #expect(
            script.contains("ALTER TABLE t ADD COLUMN b INTEGER") && script.contains("ALTER TABLE t ADD COLUMN d REAL"))
        #expect(script.contains("ALTER TABLE c ADD COLUMN q TEXT"))
        #expect(!script.contains("ALTER TABLE u") && script.contains("x INTEGER,\n    y TEXT\n)"))
        let database = try SQLiteDatabase(path: ":memory:")
        try database.execute(script)
        #expect(try Schema.tables(in: database) == ["t": ["a", "b", "d"], "c": ["p", "q"], "u": ["x", "y"]])
    }
}
