extension Schema {
    /// Every migration as one script, for a database at version 0 (a new file): each
    /// `ALTER TABLE t ADD COLUMN def` is folded into t's `CREATE TABLE` as a last column, which
    /// is where ADD COLUMN puts it. Each ALTER TABLE makes SQLite parse the whole schema again:
    /// the 11 migrations one by one cost about 28M instructions (roughly 8 ms of a `run` on a
    /// new database), the folded script under a tenth of that. SchemaTests checks that both
    /// give the same tables, columns and indexes.
    static let newDatabaseScript: String = folded(migrations)

    /// The statements of `migrations` in order, ALTER TABLE ... ADD COLUMN folded into the
    /// CREATE TABLE before it. Statements are split at ";" (no migration has one in a literal).
    /// It works on UTF-8 bytes: on Characters it cost more than the SQL it saves.
    static func folded(_ migrations: [String]) -> String {
        typealias Bytes = ArraySlice<UInt8>
        var statements: [Bytes] = []
        var createdAt: [Bytes: Int] = [:]  // table name → its CREATE TABLE in `statements`
        for migration in migrations {
            for part in Array(migration.utf8).split(separator: UInt8(ascii: ";")) {
                let statement = trimmed(part)
                guard !statement.isEmpty else { continue }
                let words = statement.split(separator: UInt8(ascii: " "), maxSplits: 5)
                if words.count == 6, words[0].elementsEqual("ALTER".utf8), words[1].elementsEqual("TABLE".utf8),
                    words[3].elementsEqual("ADD".utf8), words[4].elementsEqual("COLUMN".utf8),
                    let index = createdAt[words[2]], let close = statements[index].lastIndex(of: UInt8(ascii: ")"))
                {
                    let create = statements[index]
                    statements[index] =
                        trimmed(create[..<close]) + Array(",\n    ".utf8) + words[5] + [UInt8(ascii: "\n")]
                        + create[close...]
                    continue
                }
                if words.count > 2, words[0].elementsEqual("CREATE".utf8), words[1].elementsEqual("TABLE".utf8) {
                    createdAt[words[2].prefix { $0 != UInt8(ascii: "(") }] = statements.count
                }
                statements.append(statement)
            }
        }
        var script: [UInt8] = []
        for statement in statements { script += statement + Array(";\n".utf8) }
        return String(decoding: script, as: UTF8.self)
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let space = { (byte: UInt8) in byte == 0x20 || byte == 0x0a || byte == 0x09 || byte == 0x0d }
        guard let first = bytes.firstIndex(where: { !space($0) }), let last = bytes.lastIndex(where: { !space($0) })
        else { return [] }
        return bytes[first...last]
    }
}
