import ArgusCore
import Testing

@Suite struct SizeTextTests {
    @Test func readsBytesWithBinaryAndDecimalUnits() {
        #expect(SizeText.bytes("4096") == 4096)
        #expect(SizeText.bytes("4096B") == 4096)
        #expect(SizeText.bytes("100k") == 102_400)
        #expect(SizeText.bytes("100K") == 102_400)
        #expect(SizeText.bytes("2GiB") == 2 << 30)
        #expect(SizeText.bytes("2g") == 2 << 30)
        #expect(SizeText.bytes("1.5MiB") == 1_572_864)
        #expect(SizeText.bytes("500MB") == 500_000_000)
        #expect(SizeText.bytes("1kb") == 1_000)
        #expect(SizeText.bytes("1TB") == 1_000_000_000_000)
        #expect(SizeText.bytes("0") == 0)
    }

    @Test func rejectsWhatIsNotASize() {
        for text in ["", "B", "-1", "10x", "1e3", "abc", "1..2", "inf", "5 MB", "10PB", "99999999999TiB", "MB5"] {
            #expect(SizeText.bytes(text) == nil, "\(text)")
        }
    }

    @Test func describesBytesForPeople() {
        #expect(SizeText.describe(512) == "512 B")
        #expect(SizeText.describe(1536) == "1.5 KiB")
        #expect(SizeText.describe(3 << 30) == "3.0 GiB")
    }
}
