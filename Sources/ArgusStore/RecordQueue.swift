import ArgusCore

/// The writer's queue: records in arrival order with their approximate sizes. The oldest leave
/// in O(1) each: a head index moves over the storage, which is compacted once half of it is
/// spent, instead of Array.removeFirst shifting everything that is left.
struct RecordQueue {
    private var storage: [(record: Record, bytes: Int)?] = []
    private var head = 0
    /// The approximate bytes of what is queued (`Record.approximateBytes`).
    private(set) var bytes = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ record: Record) {
        let size = record.approximateBytes
        storage.append((record, size))
        bytes += size
    }

    /// Drops the oldest records until at most `limit` bytes are queued; returns how many went.
    mutating func dropOldest(whileBytesExceed limit: Int) -> Int {
        var dropped = 0
        while bytes > limit, head < storage.count {
            bytes -= storage[head]?.bytes ?? 0
            storage[head] = nil
            head += 1
            dropped += 1
        }
        if head > 0 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return dropped
    }

    /// Takes every record, oldest first, and leaves the queue empty.
    mutating func takeAll() -> [Record] {
        let records = storage[head...].compactMap { $0?.record }
        storage.removeAll(keepingCapacity: true)
        head = 0
        bytes = 0
        return records
    }

    /// Puts records back in front of what is queued, in their order (after a failed write).
    /// O(records + queued): it happens once per failed attempt, not per record.
    mutating func prepend(_ records: [Record]) {
        var rebuilt: [(record: Record, bytes: Int)?] = []
        rebuilt.reserveCapacity(records.count + count)
        for record in records {
            let size = record.approximateBytes
            rebuilt.append((record, size))
            bytes += size
        }
        rebuilt.append(contentsOf: storage[head...])
        storage = rebuilt
        head = 0
    }
}
