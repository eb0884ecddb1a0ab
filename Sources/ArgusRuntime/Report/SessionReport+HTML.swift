import ArgusCore
import ArgusStore

/// `report --html FILE`: one self-contained page (inline CSS, SVG and a little JS; nothing
/// fetched) that opens offline: the session's facts, its charts over time on one time axis
/// with a shared cursor and the values under it, the process timeline, log lines as marks and
/// a list that filters, and the stalls as bands on every chart, each linking to its snapshots.
extension SessionReport {
    /// Log lines listed on the page (all are marked on the time axis, thinned to one a pixel).
    static let maxListedLogLines = 5_000

    public func html(snapshots: [Int64: [StallReader.Snapshot]]) -> String {
        let geometry = ReportSVG.Geometry(startNs: startNs, endNs: max(endNs, startNs + 1))
        let drawing = ReportSVG(
            geometry: geometry,
            stalls: recording.stalls.map { stall in
                (
                    stall.id, stall.startedNs, stall.endedNs ?? endNs,
                    "stall \(stall.id): \(stall.kind) of \(stall.pid) \(stall.processName ?? "?"): \(stall.trigger)"
                )
            })
        let charts = SessionCharts(self)
        var page = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        page += "<meta name=\"viewport\" content=\"width=device-width\">"
        page += "<title>argus-trace session \(session.id): \(MarkupText.escape(session.commandOrTarget))</title>"
        page += "<style>\(ReportPageAssets.css)</style></head>\n<body>\n"
        page += header()
        page += "<section id=\"charts\"><h2>Over time</h2>"
        if charts.charts.isEmpty { page += "<p>No samples were recorded.</p>" }
        for chart in charts.charts {
            page += "<h3>\(MarkupText.escape(chart.title))</h3><div class=\"legend\">"
            for (index, series) in chart.series.enumerated() {
                page +=
                    "<span><i style=\"background:\(ReportSVG.color(index))\"></i>\(MarkupText.escape(series.name))</span>"
            }
            page += "</div>" + drawing.chart(chart) + "\n"
        }
        page += "</section>\n"
        page += timelineSection(drawing)
        page += logSection(drawing)
        page += stallSection(snapshots)
        page += "<div id=\"tip\"></div>\n<script type=\"application/json\" id=\"report-data\">"
        // Every "<" as \u003c (still the same JSON): no "</script" or "<!--" can end or bend the block.
        page += dataJSON(charts).replacing("<", with: "\\u003c")
        page += "</script>\n<script>\(ReportPageAssets.script)</script>\n</body></html>\n"
        return page
    }

    private func header() -> String {
        var facts: [(String, String)] = [
            ("Host", session.hostname ?? "?"), ("Kernel", session.kernel ?? "?"),
            ("Started", WallTime(nanoseconds: startNs).iso8601),
            ("Duration", RunReport.seconds(session.durationNs)), ("Status", statusText),
            ("Lost", lossText ?? "nothing"),
            (
                "Rows",
                "\(session.counts.samples) samples, \(processes.count) processes, "
                    + "\(session.counts.logLines) log lines, \(session.counts.stalls) stalls"
            ),
            ("Recorded by", "argus-trace \(session.version): \(session.arguments.joined(separator: " "))"),
        ]
        if let restarts = session.restarts, restarts > 0 { facts.insert(("Restarts", String(restarts)), at: 5) }
        var html = "<header><h1>\(MarkupText.escape(session.mode)) · \(MarkupText.escape(session.commandOrTarget))</h1>"
        html += "<p class=\"sub\">argus-trace session \(session.id)</p><dl>"
        for (name, value) in facts {
            let failed = name == "Status" && (session.targetStatus.map { $0.shellCode != 0 } ?? false)
            let lost = name == "Lost" && lossText != nil
            let mark = failed || lost ? " class=\"bad\"" : ""
            html += "<dt>\(name)</dt><dd\(mark)>\(MarkupText.escape(value))</dd>"
        }
        return html + "</dl></header>\n"
    }

    private func timelineSection(_ drawing: ReportSVG) -> String {
        let timeline = ProcessTimeline(self)
        var html = "<section id=\"processes\"><h2>Processes (\(processes.count))</h2><div class=\"legend\">"
        for (kind, text) in [
            ("ok", "exit 0"), ("exit", "non-zero exit"), ("signal", "killed by a signal"),
            ("unknown", "status unknown"), ("running", "still running"),
        ] {
            html += "<span><i class=\"\(kind)\"></i>\(text)</span>"
        }
        html += "</div>"
        if timeline.rows.isEmpty {
            html += "<p>No processes recorded.</p>"
        } else {
            html += timeline.svg(drawing)
        }
        if timeline.omitted > 0 {
            html += "<p class=\"note\">\(timeline.omitted) more process(es) not drawn (all are in the database and "
            html += "in --trace).</p>"
        }
        return html + "</section>\n"
    }

    private func logSection(_ drawing: ReportSVG) -> String {
        let lines = recording.logLines
        var html = "<section id=\"logs\"><h2>Log lines (\(lines.count))</h2>"
        guard !lines.isEmpty else { return html + "<p>No log lines recorded.</p></section>\n" }
        // One mark a pixel column: a million lines draw as at most a thousand marks.
        var columns = Set<Int>()
        html += "<svg class=\"chart logs\" data-chart=\"logs\" viewBox=\"0 0 \(Int(ReportSVG.Geometry.width)) 46\">"
        html += drawing.bands(top: 0, height: 24)
        for line in lines {
            let x = drawing.geometry.x(line.timeNs)
            guard columns.insert(Int(x)).inserted else { continue }
            html +=
                "<line class=\"logmark\" x1=\"\(ReportSVG.fixed(x))\" x2=\"\(ReportSVG.fixed(x))\" y1=\"2\" y2=\"22\"/>"
        }
        html += drawing.axis(at: 24) + drawing.cursor(top: 0, height: 24) + "</svg>"
        html += "<p><input id=\"logfilter\" type=\"search\" placeholder=\"filter log lines\" aria-label=\"filter\"> "
        html += "<span id=\"logcount\"></span></p><div class=\"scroll\"><table id=\"loglist\"><tbody>"
        for line in lines.prefix(Self.maxListedLogLines) {
            let offset = ReportSVG.Geometry.timeLabel(max(Double(line.timeNs) - Double(startNs), 0) / 1e9)
            html += "<tr><td>\(offset)</td><td>\(MarkupText.escape(line.path ?? ""))</td>"
            html += "<td>\(MarkupText.escape(line.line))\(line.readLate ? " <em>(read late)</em>" : "")</td></tr>"
        }
        html += "</tbody></table></div>"
        if lines.count > Self.maxListedLogLines {
            html += "<p class=\"note\">The first \(Self.maxListedLogLines) lines are listed; all \(lines.count) are "
            html += "in the database.</p>"
        }
        return html + "</section>\n"
    }

    /// The hover data: each chart's series as seconds from the start and values.
    private func dataJSON(_ charts: SessionCharts) -> String {
        let items = charts.charts.map { chart in
            let series = chart.series.map { series in
                let times = series.points.map { ReportSVG.fixed3(max(Double($0.ns) - Double(startNs), 0) / 1e9) }
                let values = series.points.map { ReportSVG.fixed($0.value) }
                return "{\"name\":\(JSONText.quote(series.name)),\"t\":[\(times.joined(separator: ","))],"
                    + "\"v\":[\(values.joined(separator: ","))]}"
            }
            return "\(JSONText.quote(chart.id)):{\"unit\":\(JSONText.quote(chart.unit)),"
                + "\"series\":[\(series.joined(separator: ","))]}"
        }
        let duration = ReportSVG.fixed3(max(Double(endNs) - Double(startNs), 1) / 1e9)
        return "{\"duration\":\(duration),\"left\":\(ReportSVG.Geometry.left),"
            + "\"plotWidth\":\(ReportSVG.Geometry.plotWidth),\"width\":\(ReportSVG.Geometry.width),"
            + "\"charts\":{\(items.joined(separator: ","))}}"
    }
}
