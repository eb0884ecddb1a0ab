import ArgusCore
import Testing

@Suite struct WallTimeTests {
    @Test func formatsGazeTimestampsInUTCWithMilliseconds() {
        // 2026-01-27T14:23:45.123Z
        let time = WallTime(nanoseconds: 1_769_523_825_123_456_789)
        #expect(time.iso8601 == "2026-01-27T14:23:45.123Z")
        #expect(time.consoleString == "2026-01-27 14:23:45")
    }

    @Test func formatsTheEpochAndLeapDays() {
        #expect(WallTime(nanoseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        // 2024-02-29T23:59:59.999Z
        #expect(WallTime(nanoseconds: 1_709_251_199_999_000_000).iso8601 == "2024-02-29T23:59:59.999Z")
        // 2000-03-01T00:00:00.000Z
        #expect(WallTime(nanoseconds: 951_868_800_000_000_000).iso8601 == "2000-03-01T00:00:00.000Z")
    }

    @Test func mapsKernelMonotonicStampsToWallTime() {
        let mapping = ClockMapping(realtimeNs: 1_000_000_000_000, monotonicNs: 5_000)
        #expect(mapping.wallTime(monotonicNs: 6_000).nanoseconds == 1_000_000_001_000)
    }
}

@Suite struct CPUUsageTests {
    @Test func isCPUTimeOverWallTimePerCore() {
        #expect(CPUUsage.percent(cpuNs: 500_000_000, wallNs: 1_000_000_000) == 50)
        #expect(CPUUsage.percent(cpuNs: 2_000_000_000, wallNs: 1_000_000_000) == 200)
    }

    @Test func aCounterGoingBackwardsOrNoElapsedTimeGivesZero() {
        #expect(CPUUsage.percent(fromCPU: 10, toCPU: 5, fromWall: 0, toWall: 100) == 0)
        #expect(CPUUsage.percent(cpuNs: 10, wallNs: 0) == 0)
    }
}

@Suite struct JSONTextTests {
    @Test func escapesQuotesBackslashesAndControlCharacters() {
        #expect(JSONText.array(["a\"b", "c\\d", "e\nf\u{1}"]) == #"["a\"b","c\\d","e\nf\u0001"]"#)
    }
}
