/// The two formats a scrape can get: Prometheus text 0.0.4, or OpenMetrics 1.0 when the
/// scraper's Accept header asks for it.
public enum ExpositionFormat: Sendable, Equatable {
    case text
    case openMetrics

    public var contentType: String {
        switch self {
        case .text: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// OpenMetrics when the Accept header lists `application/openmetrics-text` with a quality at
    /// least that of any other type it accepts; else text (also without a header).
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .text }
        var openMetrics = -1.0
        var other = -1.0
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingSpaces.lowercased() }
            guard let type = parts.first else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            guard quality > 0 else { continue }
            if type == "application/openmetrics-text" {
                openMetrics = max(openMetrics, quality)
            } else {
                other = max(other, quality)
            }
        }
        return openMetrics > 0 && openMetrics >= other ? .openMetrics : .text
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
