import ArgusKernel

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
