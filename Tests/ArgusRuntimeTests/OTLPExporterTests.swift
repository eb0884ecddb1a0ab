import ArgusCore
import ArgusKernel
import Foundation
import Synchronization
import Testing

@testable import ArgusRuntime

@Suite struct OTLPExporterTests {
    /// A loopback port nothing listens on (bound, then closed).
    func closedPort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    func sample(_ index: Int) -> (MetricRecord, OTLPProcess) {
        let time = WallTime(nanoseconds: 1_769_523_825_000_000_000 + Int64(index))
        let record = MetricRecord(
            time: time, appName: "App", processName: "app", pid: 42, cpuPercent: 1, memoryMB: 1, threadCount: 1,
            startTicks: 1, vmsMB: 1, openFds: 1, voluntarySwitches: 1, involuntarySwitches: 1, minorFaults: 1,
            majorFaults: 1, readBytes: 1, writeBytes: 1, state: "S", cpuTimeNs: 1, cpuUserNs: 1, cpuSystemNs: 0)
        return (record, OTLPProcess(pid: 42, parentPid: 1, executableName: "app", commandLine: "app", started: time))
    }

    @Test func aDeadCollectorCostsBoundedMemoryCountsTheDropsAndWarnsOnce() {
        var configuration = OTLPExporter.Configuration(
            endpoint: "http://127.0.0.1:\(closedPort())", userAgent: "test")
        configuration.coalesceNs = 1_000_000
        configuration.maxQueuedBytes = 20_000
        configuration.backoff = ExportBackoff(initialNs: 50_000_000, maximumNs: 50_000_000)
        let warnings = Mutex<[String]>([])
        let exporter = OTLPExporter(
            configuration, source: OTLPSource(hostName: "h", serviceName: "App", scopeVersion: "1"),
            warn: { line in warnings.withLock { $0.append(line) } })
        for index in 0..<60 {
            exporter.enqueue(metrics: [sample(index)], logs: [], serviceName: nil)
            usleep(5_000)
        }
        let bytes = exporter.state.withLock { $0.outboxBytes }
        #expect(bytes <= 20_000 + 5_000)
        let report = exporter.close()
        #expect(report.requestsSent == 0)
        #expect(report.requestsDropped > 0)
        // What was still waiting at the end is counted too: every request is sent, dropped or unsent.
        #expect(report.requestsUnsent >= 1)
        #expect(report.requestsDropped + report.requestsUnsent <= 60)
        let lines = warnings.withLock { $0 }
        #expect(lines.filter { $0.contains("OTLP export to") }.count == 1, "\(lines)")
        #expect(lines.filter { $0.contains("dropped beyond") }.count == 1, "\(lines)")
    }

    @Test func backoffDoublesUpToItsCapAndStartsOverAfterASuccess() {
        var backoff = ExportBackoff(initialNs: 100, maximumNs: 500)
        #expect((0..<5).map { _ in backoff.next() } == [100, 200, 400, 500, 500])
        backoff.reset()
        #expect(backoff.next() == 100)
    }

    @Test func httpStatusesSortIntoSentRetryAndRejected() {
        #expect(ExportVerdict(.status(200)) == .sent)
        #expect(ExportVerdict(.status(204)) == .sent)
        #expect(ExportVerdict(.status(503)) == .retry("HTTP 503"))
        #expect(ExportVerdict(.status(429)) == .retry("HTTP 429"))
        #expect(ExportVerdict(.status(400)) == .rejected("HTTP 400"))
        #expect(ExportVerdict(.failed("refused")) == .retry("refused"))
    }
}
