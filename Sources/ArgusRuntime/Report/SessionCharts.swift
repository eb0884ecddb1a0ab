import ArgusStore

/// The charts of a session: CPU %, RSS, threads and run-queue delay over time, each with the
/// group's total and the top processes (by CPU and by memory).
struct SessionCharts {
    struct Chart {
        var id: String
        var title: String
        var unit: String
        var series: [ChartSeries]
    }

    var charts: [Chart] = []

    static let topProcesses = 4

    init(_ report: SessionReport) {
        let recording = report.recording
        let owners = ProcessOwners(report.processes)
        var perProcess: [Int: [SessionRecording.Metric]] = [:]
        for metric in recording.metrics {
            guard let owner = owners.index(of: metric.pid, at: metric.timeNs) else { continue }
            perProcess[owner, default: []].append(metric)
        }
        let rounds = Self.rounds(recording)
        let isGroup = perProcess.count > 1 || !recording.groupSamples.isEmpty
        func name(_ index: Int) -> String {
            let process = report.processes[index]
            return "\(process.pid) \(process.label)"
        }
        func top(by value: (SessionRecording.Metric) -> Double) -> [Int] {
            perProcess.map { ($0.key, $0.value.map(value).max() ?? 0) }
                .sorted { ($0.1, -$0.0) > ($1.1, -$1.0) }.prefix(Self.topProcesses).map(\.0)
        }
        func chart(
            _ id: String, _ title: String, _ unit: String, total: (Round) -> Double?,
            each: @escaping (SessionRecording.Metric) -> Double?, top processes: [Int]
        ) -> Chart {
            var series: [ChartSeries] = []
            if isGroup {
                series.append(
                    ChartSeries(
                        name: "total", points: rounds.compactMap { round in total(round).map { (round.ns, $0) } }))
            }
            for index in processes {
                let points = (perProcess[index] ?? []).compactMap { metric in each(metric).map { (metric.timeNs, $0) } }
                series.append(ChartSeries(name: name(index), points: points))
            }
            return Chart(
                id: id, title: title, unit: unit,
                series: series.filter { !$0.points.isEmpty }.map { $0.thinned(from: report.startNs, to: report.endNs) })
        }
        let byCPU = top(by: \.cpuPercent)
        let byMemory = top(by: \.memoryMB)
        let union = byCPU + byMemory.filter { !byCPU.contains($0) }
        charts.append(chart("cpu", "CPU", "%", total: \.cpu, each: { $0.cpuPercent }, top: byCPU))
        charts.append(chart("rss", "Memory (RSS)", "MB", total: \.memory, each: { $0.memoryMB }, top: byMemory))
        charts.append(
            chart("threads", "Threads", "", total: { Double($0.threads) }, each: { Double($0.threadCount) }, top: union)
        )
        if recording.metrics.contains(where: { $0.runqDelayNs != nil }) {
            charts.append(
                chart(
                    "runq", "Run-queue delay (per sample)", "ms", total: { $0.runqMs },
                    each: { $0.runqDelayNs.map { Double($0) / 1e6 } }, top: byCPU))
        }
        charts = charts.filter { !$0.series.isEmpty }
    }

    /// The group at one sampling instant.
    struct Round {
        var ns: Int64
        var cpu: Double
        var memory: Double
        var threads: Int64
        var runqMs: Double?
    }

    /// The group's rows when it has them; else the samples summed by sampling round (a round
    /// ends where a pid comes again, or 50 ms after it began: short-lived processes are each
    /// sampled once).
    private static func rounds(_ recording: SessionRecording) -> [Round] {
        if !recording.groupSamples.isEmpty {
            return recording.groupSamples.map {
                Round(ns: $0.timeNs, cpu: $0.cpuPercent, memory: $0.memoryMB, threads: $0.threadCount, runqMs: nil)
            }
        }
        var rounds: [Round] = []
        var seen = Set<Int32>()
        for metric in recording.metrics {
            if rounds.isEmpty || seen.contains(metric.pid) || metric.timeNs - rounds[rounds.count - 1].ns > 50_000_000 {
                rounds.append(Round(ns: metric.timeNs, cpu: 0, memory: 0, threads: 0, runqMs: nil))
                seen = []
            }
            seen.insert(metric.pid)
            rounds[rounds.count - 1].cpu += metric.cpuPercent
            rounds[rounds.count - 1].memory += metric.memoryMB
            rounds[rounds.count - 1].threads += metric.threadCount
            if let runq = metric.runqDelayNs {
                rounds[rounds.count - 1].runqMs = (rounds[rounds.count - 1].runqMs ?? 0) + Double(runq) / 1e6
            }
        }
        return rounds
    }
}
