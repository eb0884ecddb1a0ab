/// The process timeline (Gantt) of the page: one bar per process in tree order, siblings
/// running the same program collapsed into one bar when there are more than the run summary
/// shows (`RunReport.collapseAbove`), at most `maxRows` bars.
struct ProcessTimeline {
    enum Kind: String, Comparable {
        case ok, running, unknown, exit, signal

        static func < (a: Kind, b: Kind) -> Bool { a.order < b.order }
        private var order: Int { [.ok: 0, .running: 1, .unknown: 2, .exit: 3, .signal: 4][self] ?? 0 }

        init(_ process: RunProcess) {
            if let status = process.status {
                self = status.signal != nil ? .signal : status.shellCode != 0 ? .exit : .ok
            } else {
                self = process.ended == nil ? .running : .unknown
            }
        }
    }

    struct Row {
        var depth: Int
        var label: String
        var startNs: Int64
        var endNs: Int64
        var kind: Kind
        /// The tooltip: pid, command, outcome and how long.
        var title: String
    }

    static let maxRows = 2_000

    private(set) var rows: [Row] = []
    /// Processes not drawn because the rows ran out.
    private(set) var omitted = 0

    init(_ report: SessionReport) {
        let processes = report.processes
        let children = RunReport.children(of: processes)
        // A child starts after its parent, so its index is greater: sizes add up from the end.
        var descendants = [Int](repeating: 0, count: processes.count)
        for index in processes.indices.reversed() {
            descendants[index] = (children[index] ?? []).reduce(0) { $0 + 1 + descendants[$1] }
        }
        enum Item {
            case process(Int, depth: Int)
            case group([Int], depth: Int)
        }
        let isChild = Set(children.values.joined())
        var stack: [Item] = processes.indices.filter { !isChild.contains($0) }.reversed().map { .process($0, depth: 0) }
        var drawn = 0
        func end(_ process: RunProcess) -> Int64 {
            max(process.ended?.nanoseconds ?? report.endNs, process.started.nanoseconds)
        }
        while let item = stack.popLast(), rows.count < Self.maxRows {
            switch item {
            case .process(let index, let depth):
                let process = processes[index]
                drawn += 1
                rows.append(
                    Row(
                        depth: depth, label: "\(process.pid) \(process.commandText)",
                        startNs: process.started.nanoseconds, endNs: end(process), kind: Kind(process),
                        title: RunReport.describe(process)))
                var groups: [(key: String, members: [Int])] = []
                for child in children[index] ?? [] {
                    let key = RunReport.siblingKey(processes[child])
                    if let position = groups.firstIndex(where: { $0.key == key }) {
                        groups[position].members.append(child)
                    } else {
                        groups.append((key, [child]))
                    }
                }
                for group in groups.reversed() {
                    if group.members.count > RunReport.collapseAbove {
                        stack.append(.group(group.members, depth: depth + 1))
                    } else {
                        for member in group.members.reversed() { stack.append(.process(member, depth: depth + 1)) }
                    }
                }
            case .group(let members, let depth):
                let group = members.map { processes[$0] }
                let nested = members.reduce(0) { $0 + descendants[$1] }
                drawn += members.count + nested
                let label =
                    "\(members.count) × \(group[0].label)" + (nested > 0 ? " and \(nested) descendant(s)" : "")
                rows.append(
                    Row(
                        depth: depth, label: label, startNs: group.map(\.started.nanoseconds).min() ?? 0,
                        endNs: group.map(end).max() ?? 0, kind: group.map(Kind.init).max() ?? .ok,
                        title: label + ": " + RunReport.outcomes(group)))
            }
        }
        omitted = processes.count - drawn
    }

    /// The timeline as SVG on the page's time axis.
    func svg(_ drawing: ReportSVG) -> String {
        let rowHeight = 16.0
        let height = Double(rows.count) * rowHeight + 22
        var svg = "<svg class=\"chart timeline\" data-chart=\"timeline\" "
        svg += "viewBox=\"0 0 \(Int(ReportSVG.Geometry.width)) \(Int(height))\" role=\"img\" aria-label=\"Processes\">"
        svg += drawing.bands(top: 0, height: height - 22)
        for (number, row) in rows.enumerated() {
            let y = Double(number) * rowHeight
            let x = drawing.geometry.x(row.startNs)
            let width = max(drawing.geometry.x(row.endNs) - x, 1.5)
            let indent = Double(min(row.depth, 20)) * 6
            svg += "<g class=\"bar \(row.kind.rawValue)\"><title>\(MarkupText.escape(row.title))</title>"
            svg +=
                "<rect x=\"\(ReportSVG.fixed(x))\" y=\"\(ReportSVG.fixed(y + 2))\" width=\"\(ReportSVG.fixed(width))\" "
            svg += "height=\"\(rowHeight - 4)\"/><text x=\"\(ReportSVG.fixed(min(x, 1000) + 3 + indent))\" "
            svg += "y=\"\(ReportSVG.fixed(y + 12))\">\(MarkupText.escape(String(row.label.prefix(90))))</text></g>"
        }
        svg += drawing.axis(at: height - 22)
        svg += drawing.cursor(top: 0, height: height - 22)
        return svg + "</svg>"
    }
}
