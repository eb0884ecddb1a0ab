/// The SVG of the report page: time charts and the process timeline, all on one time axis
/// (`Geometry`), so a cursor at one x is the same instant in every one.
struct ReportSVG {
    /// The page's drawing area, in SVG user units.
    struct Geometry {
        static let width = 1200.0
        static let left = 90.0
        static let plotWidth = 1090.0
        var startNs: Int64
        var endNs: Int64

        func x(_ ns: Int64) -> Double {
            let span = max(Double(endNs) - Double(startNs), 1)
            return Self.left + min(max((Double(ns) - Double(startNs)) / span, 0), 1) * Self.plotWidth
        }

        /// Labels for the time axis: about 8, at round seconds from the start.
        var ticks: [(x: Double, label: String)] {
            let seconds = max((Double(endNs) - Double(startNs)) / 1e9, 0.001)
            let steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600]
            let step = steps.first { seconds / $0 <= 8 } ?? (seconds / 8).rounded(.up)
            return stride(from: 0, through: seconds, by: step).map { value in
                (Self.left + value / seconds * Self.plotWidth, Self.timeLabel(value))
            }
        }

        static func timeLabel(_ seconds: Double) -> String {
            if seconds < 60 { return Format.decimal(seconds) + "s" }
            let whole = Int(seconds)
            if whole < 3600 { return "\(whole / 60)m\(whole % 60 < 10 ? "0" : "")\(whole % 60)s" }
            return "\(whole / 3600)h\(whole % 3600 / 60 < 10 ? "0" : "")\(whole % 3600 / 60)m"
        }
    }

    static let palette = [
        "#222", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    ]

    let geometry: Geometry
    /// Stalls as (id, start, end, label): shaded on every chart.
    let stalls: [(id: Int64, start: Int64, end: Int64, label: String)]

    /// One time chart with its stall bands, axes, lines and cursor.
    func chart(_ chart: SessionCharts.Chart) -> String {
        let top = 8.0
        let height = 120.0
        let peak = chart.series.map(\.peak).max() ?? 0
        let maximum = Self.niceCeiling(peak)
        func y(_ value: Double) -> Double { top + height - min(max(value / maximum, 0), 1) * height }
        var svg = "<svg class=\"chart\" data-chart=\"\(chart.id)\" viewBox=\"0 0 \(Int(Geometry.width)) 150\" "
        svg += "role=\"img\" aria-label=\"\(MarkupText.escape(chart.title))\">"
        svg += bands(top: top, height: height)
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            let lineY = Self.fixed(y(value))
            svg += "<line class=\"grid\" x1=\"\(Geometry.left)\" x2=\"\(Geometry.left + Geometry.plotWidth)\" "
            svg += "y1=\"\(lineY)\" y2=\"\(lineY)\"/><text class=\"ylabel\" x=\"\(Geometry.left - 6)\" y=\"\(lineY)\">"
            svg += "\(Self.short(value))\(chart.unit.isEmpty ? "" : " " + chart.unit)</text>"
        }
        svg += axis(at: top + height)
        for (index, series) in chart.series.enumerated() {
            let points = series.points.map { "\(Self.fixed(geometry.x($0.ns))),\(Self.fixed(y($0.value)))" }
            svg += "<polyline class=\"series\" stroke=\"\(Self.color(index))\" points=\""
            svg += points.joined(separator: " ") + "\"/>"
        }
        svg += cursor(top: top, height: height)
        return svg + "</svg>"
    }

    /// The shaded band of each stall, linking to its details.
    func bands(top: Double, height: Double) -> String {
        stalls.map { stall in
            let x = geometry.x(stall.start)
            let width = max(geometry.x(stall.end) - x, 2)
            return "<a href=\"#stall-\(stall.id)\"><rect class=\"stall\" x=\"\(Self.fixed(x))\" y=\"\(top)\" "
                + "width=\"\(Self.fixed(width))\" height=\"\(height)\"><title>\(MarkupText.escape(stall.label))</title>"
                + "</rect></a>"
        }.joined()
    }

    func axis(at y: Double) -> String {
        var svg = "<line class=\"axis\" x1=\"\(Geometry.left)\" x2=\"\(Geometry.left + Geometry.plotWidth)\" "
        svg += "y1=\"\(y)\" y2=\"\(y)\"/>"
        for tick in geometry.ticks {
            svg += "<text class=\"xlabel\" x=\"\(Self.fixed(tick.x))\" y=\"\(y + 14)\">\(tick.label)</text>"
        }
        return svg
    }

    func cursor(top: Double, height: Double) -> String {
        "<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"\(top)\" y2=\"\(top + height)\"/>"
    }

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// The top of a chart's scale: four steps of 1, 2 or 5 × a power of ten (at least 4 × 0.01),
    /// so every grid label is a round number.
    static func niceCeiling(_ value: Double) -> Double {
        guard value.isFinite, value > 0.04 else { return 0.04 }
        let quarter = value / 4
        var power = 0.01
        while power * 10 <= quarter { power *= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= quarter } ?? quarter
        return step * 4
    }

    /// A grid label: "1.5k", "250", "0.25".
    static func short(_ value: Double) -> String {
        if value >= 10_000 { return "\(Format.decimal(value / 1000))k".replacing(".0k", with: "k") }
        if value == value.rounded() { return "\(Int(value))" }
        let hundredths = (value * 100).rounded() / 100
        return String(hundredths)
    }

    /// One decimal: enough for a pixel.
    static func fixed(_ value: Double) -> String { Format.decimal(value) }

    /// Three decimals at most (milliseconds, in seconds).
    static func fixed3(_ value: Double) -> String { SessionReport.number(value) }
}
