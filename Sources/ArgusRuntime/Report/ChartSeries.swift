import ArgusStore

/// One line of a chart: a name and its points (ns since the epoch, value), in time order.
struct ChartSeries {
    var name: String
    var points: [(ns: Int64, value: Double)]

    /// At most `2 × buckets` points: each of `buckets` equal spans of time keeps its lowest and
    /// highest point, in time order, so a peak one sample wide still shows however long the
    /// series is (a 24-hour watch at 1 s has 86,400 points).
    func thinned(from start: Int64, to end: Int64, buckets: Int = 600) -> ChartSeries {
        guard points.count > 2 * buckets, end > start else { return self }
        let span = Double(end) - Double(start)
        var kept: [(ns: Int64, value: Double)] = []
        kept.reserveCapacity(2 * buckets)
        var bucket = -1
        var low = 0
        var high = 0
        func flush() {
            guard bucket >= 0 else { return }
            let pair = low <= high ? [low, high] : [high, low]
            kept.append(points[pair[0]])
            if pair[1] != pair[0] { kept.append(points[pair[1]]) }
        }
        for (index, point) in points.enumerated() {
            // Clamped as a Double first: a stamp far outside the session must not trap Int().
            let position = (Double(point.ns) - Double(start)) / span * Double(buckets)
            let which = Int(min(max(position, 0), Double(buckets - 1)))
            if which != bucket {
                flush()
                bucket = which
                low = index
                high = index
            } else {
                if point.value < points[low].value { low = index }
                if point.value > points[high].value { high = index }
            }
        }
        flush()
        return ChartSeries(name: name, points: kept)
    }

    var peak: Double { points.map(\.value).max() ?? 0 }
}
