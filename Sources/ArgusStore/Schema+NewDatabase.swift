extension Schema {
    /// Every migration as one script, for a database at version 0 (a new file): each
    /// `ALTER TABLE t ADD COLUMN def` is folded into t's `CREATE TABLE` as a last column, which
    /// is where ADD COLUMN puts it. Each ALTER TABLE makes SQLite parse the whole schema again:
    /// the 11 migrations one by one cost about 28M instructions (roughly 8 ms of a `run` on a
    /// new database), the folded script about 8M. SchemaTests checks that both give the same
    /// tables, columns and indexes, and that every ALTER is folded.
    static let newDatabaseScript: String = folded(migrations)

    /// The statements of `migrations` in order, ALTER TABLE ... ADD COLUMN folded into the
    /// CREATE TABLE before it. Statements are split at ";" (no migration has one in a literal).
    /// A table whose CREATE TABLE ends in a table constraint or holds a comment, or that has an
    /// ALTER not written as `ALTER TABLE t ADD COLUMN def`, keeps its ALTERs, in order: a column
    /// cannot follow a constraint, and a comment would swallow the comma.
    /// It works on UTF-8 bytes: on Characters it cost more than the SQL it saves.
    static func folded(_ migrations: [String]) -> String {
        typealias Bytes = ArraySlice<UInt8>
        var statements: [Bytes] = []
        var createdAt: [Bytes: Int] = [:]  // foldable table name → its CREATE TABLE in `statements`
        for migration in migrations {
            for part in Array(migration.utf8).split(separator: UInt8(ascii: ";")) {
                let statement = trimmed(part)
                guard !statement.isEmpty else { continue }
                let words = statement.split(separator: UInt8(ascii: " "), maxSplits: 5)
                let first = words.first.map { String(decoding: $0, as: UTF8.self).uppercased() } ?? ""
                if first == "ALTER" {
                    if words.count == 6, words[1].elementsEqual("TABLE".utf8), words[3].elementsEqual("ADD".utf8),
                        words[4].elementsEqual("COLUMN".utf8), let index = createdAt[words[2]],
                        let close = statements[index].lastIndex(of: UInt8(ascii: ")"))
                    {
                        let create = statements[index]
                        statements[index] =
                            trimmed(create[..<close]) + Array(",\n    ".utf8) + words[5] + [UInt8(ascii: "\n")]
                            + create[close...]
                        continue
                    }
                    // Kept as written; no later ALTER may move ahead of it.
                    if words.count > 2 { createdAt[words[2]] = nil }
                    statements.append(statement)
                    continue
                }
                if words.count > 2, words[0].elementsEqual("CREATE".utf8), words[1].elementsEqual("TABLE".utf8),
                    foldable(statement)
                {
                    createdAt[words[2].prefix { $0 != UInt8(ascii: "(") }] = statements.count
                }
                statements.append(statement)
            }
        }
        var script: [UInt8] = []
        for statement in statements { script += statement + Array(";\n".utf8) }
        return String(decoding: script, as: UTF8.self)
    }

    /// A CREATE TABLE whose last definition is a column, with no comment in it.
    private static func foldable(_ create: ArraySlice<UInt8>) -> Bool {
        let text = String(decoding: create, as: UTF8.self)
        guard !text.contains("--"), !text.contains("/*"), let close = text.lastIndex(of: ")") else { return false }
        let last = text[..<close].split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) } ?? ""
        let definition = last.drop { $0.isWhitespace }.uppercased()
        return !["PRIMARY KEY", "UNIQUE", "CHECK", "FOREIGN KEY", "CONSTRAINT"].contains { definition.hasPrefix($0) }
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let space = { (byte: UInt8) in byte == 0x20 || byte == 0x0a || byte == 0x09 || byte == 0x0d }
        guard let first = bytes.firstIndex(where: { !space($0) }), let last = bytes.lastIndex(where: { !space($0) })
        else { return [] }
        return bytes[first...last]
    }
}
