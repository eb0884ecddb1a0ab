/// A fixed-capacity ring of the most recent values: appending to a full ring drops the oldest.
/// Its memory is reserved once, when it is made, and kept when it is emptied. Inlinable, so the stall monitor (another
/// module) gets a version specialized for its samples, not generic code that copies each one
/// through the type's metadata (the ring's `last` alone was 4 % of an idle watch's tick).
public struct SampleRing<Element>: Sequence {
    public let capacity: Int
    @usableFromInline var storage: [Element] = []
    @usableFromInline var head = 0  // index of the oldest element once full

    @inlinable public init(capacity: Int) {
        precondition(capacity > 0, "a ring needs room for at least one element")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    @inlinable public mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
        }
    }

    /// Empties the ring, keeping its memory.
    @inlinable public mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        head = 0
    }

    /// Oldest first.
    @inlinable public func makeIterator() -> IndexingIterator<[Element]> {
        Array(storage[head...] + storage[..<head]).makeIterator()
    }

    /// The newest element, if any.
    @inlinable public var last: Element? {
        guard !storage.isEmpty else { return nil }
        return storage[(head + storage.count - 1) % storage.count]
    }

    /// The newest element for which `isMatch` holds, searching from the newest back.
    @inlinable public func lastMatching(_ isMatch: (Element) -> Bool) -> Element? {
        for offset in 0..<storage.count {
            let element = storage[(head + storage.count - 1 - offset) % storage.count]
            if isMatch(element) { return element }
        }
        return nil
    }
}
