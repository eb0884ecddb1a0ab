import ArgusCore
import Testing

struct AlertRuleParserTests {
    func condition(_ text: String) throws -> AlertRule.Condition {
        try AlertRuleParser.parse(text).condition
    }

    func failure(_ text: String) -> AlertRuleError? {
        do {
            _ = try AlertRuleParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func metricRulesTakeAComparisonAThresholdAndAnOptionalDuration() throws {
        #expect(try condition("cpu > 80 for 30s") == .metric(.cpu, .greater, 80, forNs: 30_000_000_000))
        #expect(try condition("cpu>=150%") == .metric(.cpu, .greaterOrEqual, 150, forNs: 0))
        #expect(try condition("threads > 500") == .metric(.threads, .greater, 500, forNs: 0))
        #expect(try condition("processes < 2 for 10s") == .metric(.processes, .less, 2, forNs: 10_000_000_000))
        #expect(try condition("proc.cpu != 0") == .metric(.processCPU, .notEqual, 0, forNs: 0))
        #expect(try condition("  proc.threads <= 4  ") == .metric(.processThreads, .lessOrEqual, 4, forNs: 0))
    }

    @Test func memoryIsMBUnlessItHasASizeUnit() throws {
        #expect(try condition("rss > 1024") == .metric(.rss, .greater, 1024, forNs: 0))
        #expect(try condition("rss > 1GiB") == .metric(.rss, .greater, 1024, forNs: 0))
        #expect(try condition("memory > 512MiB") == .metric(.rss, .greater, 512, forNs: 0))
        #expect(try condition("proc.memory == 1m") == .metric(.processRSS, .equal, 1, forNs: 0))
    }

    @Test func eventRules() throws {
        #expect(try condition("exit != 0") == .exit(.notEqual, 0))
        #expect(try condition("stall") == .stall(nil))
        #expect(try condition("stall d_state") == .stall(.uninterruptible))
        #expect(try condition("log ~ ERROR|FATAL ") == .log(pattern: "ERROR|FATAL"))
        #expect(try condition("log~  a b  c") == .log(pattern: "a b  c"))
        #expect(try condition("restarts > 3 in 10m") == .restarts(.greater, 3, withinNs: 600_000_000_000))
        #expect(try condition("restarts >= 1") == .restarts(.greaterOrEqual, 1, withinNs: nil))
    }

    @Test func theRuleKeepsItsTextAsWritten() throws {
        #expect(try AlertRuleParser.parse("cpu > 80 for 30s").text == "cpu > 80 for 30s")
    }

    @Test(arguments: [
        ("cpux > 80", 1, "unknown metric 'cpux'"),
        ("", 1, "expected a metric"),
        ("cpu 80", 5, "expected a comparison"),
        ("cpu => 80", 5, "expected a comparison"),
        ("cpu > abc", 7, "expected a CPU percentage"),
        ("cpu > 80 for", 13, "expected a duration"),
        ("cpu > 80 for 3x", 14, "expected a duration"),
        ("cpu > 80 during 3s", 10, "unexpected 'during 3s'"),
        ("rss > 1 GiB", 9, "unexpected 'GiB'"),
        ("rss > lots", 7, "expected a size"),
        ("threads > 1.5", 11, "expected a number of threads"),
        ("exit != x", 9, "expected an exit code"),
        ("stall d-state", 7, "unknown stall kind"),
        ("log ERROR", 5, "expected '~'"),
        ("log ~", 6, "expected a regular expression"),
        ("log ~ (unclosed", 7, "not a regular expression"),
        ("restarts > 3 in", 16, "expected a duration"),
    ])
    func badRulesAreRejectedWithThePositionOfTheError(text: String, position: Int, reason: String) throws {
        let error = try #require(failure(text))
        #expect(error.position == position)
        #expect(error.reason.contains(reason), "\(error)")
        #expect(error.description.hasPrefix("alert rule '\(text)': position \(position): "))
        #expect(!error.description.contains("\n"))
    }
}
