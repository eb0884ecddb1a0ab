/// How long an exporter waits before trying again after a failure: doubling from `initialNs`
/// up to `maximumNs`, back to the start after a success.
struct ExportBackoff {
    let initialNs: UInt64
    let maximumNs: UInt64
    private(set) var currentNs: UInt64

    init(initialNs: UInt64 = 500_000_000, maximumNs: UInt64 = 30_000_000_000) {
        self.initialNs = initialNs
        self.maximumNs = maximumNs
        currentNs = initialNs
    }

    /// The wait after one more failure.
    mutating func next() -> UInt64 {
        defer { currentNs = min(currentNs * 2, maximumNs) }
        return currentNs
    }

    mutating func reset() { currentNs = initialNs }
}
