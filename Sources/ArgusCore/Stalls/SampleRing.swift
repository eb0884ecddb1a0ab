/// A fixed-capacity ring of the most recent values: appending to a full ring drops the oldest.
/// Memory is allocated once, when the ring first fills.
public struct SampleRing<Element>: Sequence {
    public let capacity: Int
    private var storage: [Element] = []
    private var head = 0  // index of the oldest element once full

    public init(capacity: Int) {
        precondition(capacity > 0, "a ring needs room for at least one element")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
        }
    }

    /// Oldest first.
    public func makeIterator() -> IndexingIterator<[Element]> {
        Array(storage[head...] + storage[..<head]).makeIterator()
    }

    /// The newest element, if any.
    public var last: Element? {
        guard !storage.isEmpty else { return nil }
        return storage[(head + storage.count - 1) % storage.count]
    }

    /// The newest element for which `isMatch` holds, searching from the newest back.
    public func lastMatching(_ isMatch: (Element) -> Bool) -> Element? {
        for offset in 0..<storage.count {
            let element = storage[(head + storage.count - 1 - offset) % storage.count]
            if isMatch(element) { return element }
        }
        return nil
    }
}
