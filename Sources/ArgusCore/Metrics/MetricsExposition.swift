/// Renders a `MetricsState` as a scrape's body: every family with HELP and TYPE, names with the
/// `argus_` prefix in base units (seconds, bytes), counters ending in `_total`.
public enum MetricsExposition {
    public static func render(
        _ state: MetricsState, own: ExporterSelfUsage?, format: ExpositionFormat
    ) -> String {
        var writer = ExpositionWriter(format: format)
        let series = state.series
        renderProcesses(series, into: &writer)
        renderRunQueue(series, into: &writer)
        renderLifecycle(state, into: &writer)
        renderLosses(state.losses, into: &writer)
        if let own { renderSelf(own, into: &writer) }
        return writer.finish()
    }

    static func labels(_ labels: SeriesLabels) -> [(String, String)] {
        var pairs = [("app", labels.app), ("name", labels.name)]
        if let pid = labels.pid { pairs.append(("pid", String(pid))) }
        return pairs
    }

    private static func renderProcesses(_ series: [MetricsState.Series], into writer: inout ExpositionWriter) {
        typealias W = ExpositionWriter
        func counter(
            _ name: String, _ help: String, _ values: [(String, String, KeyPath<ExportedCounters, UInt64>)],
            seconds: Bool = false
        ) {
            writer.family(name, .counter, help: help)
            for one in series {
                for (key, value, path) in values {
                    let count = one.counters[keyPath: path]
                    var pairs = labels(one.labels)
                    if !key.isEmpty { pairs.append((key, value)) }
                    writer.sample(name + "_total", pairs, seconds ? W.seconds(count) : String(count))
                }
            }
        }
        func gauge(_ name: String, _ help: String, _ value: (MetricsState.Series) -> String?) {
            writer.family(name, .gauge, help: help)
            for one in series {
                guard let text = value(one) else { continue }
                writer.sample(name, labels(one.labels), text)
            }
        }
        counter(
            "argus_process_cpu_seconds", "CPU time of the watched processes, ended ones included.",
            [("mode", "user", \.cpuUserNs), ("mode", "system", \.cpuSystemNs)], seconds: true)
        gauge("argus_process_resident_memory_bytes", "Resident memory of the live processes.") {
            $0.sampledProcesses > 0 ? String($0.gauges.residentBytes) : nil
        }
        gauge("argus_process_virtual_memory_bytes", "Virtual memory of the live processes.") {
            $0.sampledProcesses > 0 ? String($0.gauges.virtualBytes) : nil
        }
        gauge("argus_process_threads", "Threads of the live processes.") {
            $0.sampledProcesses > 0 ? String($0.gauges.threads) : nil
        }
        gauge("argus_process_open_fds", "Open file descriptors of the live processes.") {
            $0.sampledProcesses > 0 && $0.hasOpenFds ? String($0.gauges.openFds ?? 0) : nil
        }
        gauge("argus_processes_running", "Live watched processes.") { String($0.processes) }
        counter(
            "argus_process_context_switches", "Context switches of the watched processes, ended ones included.",
            [("type", "voluntary", \.voluntarySwitches), ("type", "involuntary", \.involuntarySwitches)])
        counter(
            "argus_process_page_faults", "Page faults of the watched processes, ended ones included.",
            [("type", "minor", \.minorFaults), ("type", "major", \.majorFaults)])
        counter(
            "argus_process_read_bytes", "Bytes read from storage by the watched processes (/proc/PID/io).",
            [("", "", \.readBytes)])
        counter(
            "argus_process_write_bytes", "Bytes written to storage by the watched processes (/proc/PID/io).",
            [("", "", \.writeBytes)])
    }

    private static func renderRunQueue(_ series: [MetricsState.Series], into writer: inout ExpositionWriter) {
        let measured = series.filter { $0.counters.runqDelayNs > 0 || !$0.counters.runqHistogram.isEmpty }
        guard !measured.isEmpty else { return }
        writer.family(
            "argus_process_runqueue_delay_seconds", .counter,
            help: "Time the watched processes' threads waited for a CPU (BPF counters on).")
        for one in measured {
            writer.sample(
                "argus_process_runqueue_delay_seconds_total", labels(one.labels),
                ExpositionWriter.seconds(one.counters.runqDelayNs))
        }
        let histograms = measured.filter { !$0.counters.runqHistogram.isEmpty }
        guard !histograms.isEmpty else { return }
        let name = "argus_process_runqueue_wait_seconds"
        writer.family(name, .histogram, help: "Each wait for a CPU (--runq-histogram), by log2 microseconds.")
        for one in histograms {
            let slots = one.counters.runqHistogram
            var cumulative: UInt64 = 0
            // Slot i holds waits of [2^i, 2^(i+1)) µs (slot 0 from 0); the last slot has no upper bound.
            for slot in 0..<(slots.count - 1) {
                cumulative &+= slots[slot]
                let bound = Double(UInt64(1) << UInt64(slot + 1)) / 1e6
                writer.sample(
                    name + "_bucket", labels(one.labels) + [("le", ExpositionWriter.number(bound))], String(cumulative))
            }
            cumulative &+= slots[slots.count - 1]
            writer.sample(name + "_bucket", labels(one.labels) + [("le", "+Inf")], String(cumulative))
            writer.sample(name + "_sum", labels(one.labels), ExpositionWriter.seconds(one.counters.runqHistogramSumNs))
            writer.sample(name + "_count", labels(one.labels), String(cumulative))
        }
    }

    private static func renderLifecycle(_ state: MetricsState, into writer: inout ExpositionWriter) {
        writer.family(
            "argus_process_exits", .counter,
            help: "Watched processes that ended, by how: class 0, nonzero (exit status), signal, unknown.")
        for exit in state.exitCounts {
            writer.sample(
                "argus_process_exits_total", labels(exit.labels) + [("class", exit.exitClass.rawValue)],
                String(exit.count))
        }
        writer.family("argus_restarts", .counter, help: "Times the watched service came back (--follow-restarts).")
        for restart in state.restartCounts {
            writer.sample("argus_restarts_total", [("app", restart.app)], String(restart.count))
        }
        writer.family("argus_stalls", .counter, help: "Stalls detected, by kind.")
        for stall in state.stallCounts {
            writer.sample(
                "argus_stalls_total", [("app", stall.app), ("name", stall.name), ("kind", stall.kind)],
                String(stall.count))
        }
        let alerts = state.alertCounts
        guard !alerts.isEmpty else { return }
        writer.family("argus_alerts_firing", .gauge, help: "Alerts of each rule firing now (--alert).")
        for alert in alerts {
            writer.sample("argus_alerts_firing", [("app", alert.app), ("rule", alert.rule)], String(alert.firing))
        }
        writer.family("argus_alerts", .counter, help: "Times each alert rule fired.")
        for alert in alerts {
            writer.sample("argus_alerts_total", [("app", alert.app), ("rule", alert.rule)], String(alert.fired))
        }
    }

    private static func renderLosses(_ losses: SessionLosses, into writer: inout ExpositionWriter) {
        let families: [(String, String, UInt64)] = [
            (
                "argus_netlink_overflows", "Times the kernel dropped proc connector messages (ENOBUFS).",
                losses.netlinkOverflows
            ),
            ("argus_bpf_events_lost", "Events the BPF probes' ring buffers could not take.", losses.bpfEventsLost),
            ("argus_unsaved_rows", "Rows the database could not save.", losses.unsavedRows),
        ]
        for (name, help, value) in families {
            writer.family(name, .counter, help: help)
            writer.sample(name + "_total", [], String(value))
        }
    }

    private static func renderSelf(_ own: ExporterSelfUsage, into writer: inout ExpositionWriter) {
        writer.family("process_cpu_seconds", .counter, help: "CPU time of argus-trace itself.")
        writer.sample("process_cpu_seconds_total", [], ExpositionWriter.number(own.cpuSeconds))
        writer.family("process_resident_memory_bytes", .gauge, help: "Resident memory of argus-trace itself.")
        writer.sample("process_resident_memory_bytes", [], String(own.residentBytes))
        writer.family("process_virtual_memory_bytes", .gauge, help: "Virtual memory of argus-trace itself.")
        writer.sample("process_virtual_memory_bytes", [], String(own.virtualBytes))
        if let fds = own.openFds {
            writer.family("process_open_fds", .gauge, help: "Open file descriptors of argus-trace itself.")
            writer.sample("process_open_fds", [], String(fds))
        }
        writer.family(
            "process_start_time_seconds", .gauge, help: "When argus-trace started, in seconds since the epoch.")
        writer.sample("process_start_time_seconds", [], ExpositionWriter.number(own.startTimeSeconds))
    }
}
