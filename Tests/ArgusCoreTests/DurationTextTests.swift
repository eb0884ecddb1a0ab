import ArgusCore
import Testing

@Suite struct DurationTextTests {
    @Test func readsSecondsWithOrWithoutAUnitAsTimeoutDoes() {
        #expect(DurationText.nanoseconds("90") == 90_000_000_000)
        #expect(DurationText.nanoseconds("90s") == 90_000_000_000)
        #expect(DurationText.nanoseconds("15m") == 900_000_000_000)
        #expect(DurationText.nanoseconds("2h") == 7_200_000_000_000)
        #expect(DurationText.nanoseconds("1d") == 86_400_000_000_000)
        #expect(DurationText.nanoseconds("1.5") == 1_500_000_000)
        #expect(DurationText.nanoseconds("0") == 0)
    }

    @Test func rejectsWhatIsNotADuration() {
        for text in ["", "s", "-1", "10x", "1e3", "abc", "1..2", "inf", "nan", "5ms", "9999999999d"] {
            #expect(DurationText.nanoseconds(text) == nil, "\(text)")
        }
    }

    @Test func signalsAreNamedAsKillTakesThem() {
        #expect(SignalName.number(of: "TERM") == 15)
        #expect(SignalName.number(of: "SIGKILL") == 9)
        #expect(SignalName.number(of: "int") == 2)
        #expect(SignalName.number(of: "10") == 10)
        #expect(SignalName.number(of: "0") == nil)
        #expect(SignalName.number(of: "SIGNOPE") == nil)
    }
}
