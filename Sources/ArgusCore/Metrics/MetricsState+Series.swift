/// The state as series: what a scrape shows, each series once, in a stable order.
extension MetricsState {
    /// One series' values now.
    public struct Series: Sendable, Equatable {
        public var labels: SeriesLabels
        public var counters = ExportedCounters()
        public var gauges = ExportedGauges()
        /// Live processes in the series.
        public var processes = 0
        /// Live processes in the series sampled at least once: the gauges are theirs.
        public var sampledProcesses = 0
        /// Whether any of its live processes had its open fds read.
        public var hasOpenFds = false
    }

    /// Every series: the ended processes' counters plus what each live one counted under its
    /// current name; gauges of the live ones only.
    public var series: [Series] {
        var all: [SeriesLabels: Series] = [:]
        for (labels, counters) in retained {
            all[labels, default: Series(labels: labels)].counters = counters
        }
        for process in live.values {
            var series = all[process.labels] ?? Series(labels: process.labels)
            series.counters.add(process.latest, since: process.baseline)
            series.gauges.residentBytes &+= process.gauges.residentBytes
            series.gauges.virtualBytes &+= process.gauges.virtualBytes
            series.gauges.threads += process.gauges.threads
            if let fds = process.gauges.openFds {
                series.gauges.openFds = (series.gauges.openFds ?? 0) + fds
                series.hasOpenFds = true
            }
            series.processes += 1
            if process.sampled { series.sampledProcesses += 1 }
            all[process.labels] = series
        }
        return all.values.sorted { $0.labels < $1.labels }
    }

    /// Exits by (app, name) and class, in a stable order.
    public var exitCounts: [(labels: SeriesLabels, exitClass: ExitClass, count: UInt64)] {
        exits.sorted { $0.key < $1.key }.flatMap { labels, classes in
            ExitClass.allCases.compactMap { exitClass in
                classes[exitClass].map { (labels, exitClass, $0) }
            }
        }
    }

    /// Alerts by (app, rule): how many times each fired, and how many of its alerts fire now (one
    /// per process for a per-process rule), in a stable order.
    public var alertCounts: [(app: String, rule: String, fired: UInt64, firing: Int)] {
        var firing: [AlertSeries: Int] = [:]
        for series in alertsFiring.values { firing[series, default: 0] += 1 }
        return alertFirings.sorted { $0.key < $1.key }.map {
            ($0.key.app, $0.key.rule, $0.value, firing[$0.key] ?? 0)
        }
    }

    /// Stalls by (app, name, kind), in a stable order.
    public var stallCounts: [(app: String, name: String, kind: String, count: UInt64)] {
        stalls.sorted { $0.key < $1.key }.map { ($0.key.app, $0.key.name, $0.key.kind, $0.value) }
    }

    /// Restarts by app (0 for every app seen, so the counter exists before the first restart).
    public var restartCounts: [(app: String, count: UInt64)] {
        restarts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
