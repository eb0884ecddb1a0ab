import ArgusKernel

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

/// What an exporter's HTTP answer means for the request.
enum ExportVerdict: Equatable {
    case sent
    /// Try the same request again later (no answer, 408, 429, 5xx).
    case retry(String)
    /// The server refused it for good (another 4xx): trying again would not help.
    case rejected(String)

    init(_ outcome: HTTPOutcome) {
        switch outcome {
        case .status(let code) where (200..<300).contains(code): self = .sent
        case .status(let code) where code == 408 || code == 429 || code >= 500: self = .retry("HTTP \(code)")
        case .status(let code): self = .rejected("HTTP \(code)")
        case .failed(let why): self = .retry(why)
        }
    }
}
