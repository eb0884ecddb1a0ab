import ArgusCore
import Testing

@Suite struct LineSplitterTests {
    func text(_ lines: [LineSplitter.Line]) -> [String] { lines.map { String(decoding: $0.bytes, as: UTF8.self) } }

    @Test func givesCompleteLinesWithTheirOffsets() {
        var splitter = LineSplitter(offset: 100)
        let lines = splitter.append(Array("one\ntwo\nthr".utf8))
        #expect(text(lines) == ["one", "two"])
        #expect(lines.map(\.offset) == [100, 104])
        #expect(splitter.pendingCount == 3)
        let rest = splitter.append(Array("ee\n".utf8))
        #expect(text(rest) == ["three"])
        #expect(rest.first?.offset == 108)
        #expect(rest.first?.partial == false)
        #expect(splitter.offset == 114)
    }

    @Test func aLineWrittenInTwoHalvesIsOneLine() {
        var splitter = LineSplitter()
        #expect(splitter.append(Array("first half, ".utf8)).isEmpty)
        #expect(text(splitter.append(Array("second half\n".utf8))) == ["first half, second half"])
    }

    @Test func keepsCarriageReturnsAndBytesThatAreNotUTF8() {
        var splitter = LineSplitter()
        let lines = splitter.append([0x61, 0x0d, 0x0a, 0xff, 0xfe, 0x62, 0x0a, 0x0a])
        #expect(lines.map(\.bytes) == [[0x61, 0x0d], [0xff, 0xfe, 0x62], []])
    }

    @Test func anIncompleteLastLineIsGivenUpOnlyWhenFlushed() {
        var splitter = LineSplitter()
        #expect(splitter.append(Array("no newline yet".utf8)).isEmpty)
        let line = splitter.flush()
        #expect(line == LineSplitter.Line(bytes: Array("no newline yet".utf8), offset: 0, partial: true))
        #expect(splitter.flush() == nil)
    }

    @Test func aMegabyteLineIsOneLine() {
        var splitter = LineSplitter()
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        var lines: [LineSplitter.Line] = []
        for chunk in stride(from: 0, to: big.count, by: 65_536) {
            lines += splitter.append(Array(big[chunk..<min(chunk + 65_536, big.count)]))
        }
        lines += splitter.append([UInt8(ascii: "\n")])
        #expect(lines.count == 1)
        #expect(lines.first?.bytes.count == 1 << 20)
        #expect(lines.first?.partial == false)
    }

    @Test func aLineBeyondTheCapComesInPartialPieces() {
        var splitter = LineSplitter(maxLineBytes: 8)
        let lines = splitter.append(Array("0123456789".utf8))
        #expect(lines == [LineSplitter.Line(bytes: Array("0123456789".utf8), offset: 0, partial: true)])
        #expect(text(splitter.append(Array("ab\n".utf8))) == ["ab"])
    }

    @Test func restartAfterTruncationGivesUpThePendingBytes() {
        var splitter = LineSplitter()
        _ = splitter.append(Array("line\nhalf".utf8))
        #expect(splitter.restart(at: 0)?.bytes == Array("half".utf8))
        #expect(splitter.append(Array("new\n".utf8)).first == LineSplitter.Line(bytes: Array("new".utf8), offset: 0))
    }
}

@Suite struct LogRotationTests {
    let old = FileIdentity(device: 1, inode: 10)
    let new = FileIdentity(device: 1, inode: 11)

    @Test func startingOnAnExistingFileOpensItAtTheEnd() {
        #expect(
            LogRotation.plan(open: nil, readOffset: 0, openSize: nil, path: old, starting: true) == [
                .openPath(atEnd: true)
            ])
    }

    @Test func aFileThatDoesNotExistYetIsWaitedFor() {
        #expect(LogRotation.plan(open: nil, readOffset: 0, openSize: nil, path: nil, starting: true).isEmpty)
        // It appears later: all of it is new.
        #expect(
            LogRotation.plan(open: nil, readOffset: 0, openSize: nil, path: new, starting: false)
                == [.openPath(atEnd: false), .readToEnd])
    }

    @Test func growthIsRead() {
        #expect(LogRotation.plan(open: old, readOffset: 50, openSize: 80, path: old, starting: false) == [.readToEnd])
    }

    @Test func truncationRestartsFromTheTop() {
        #expect(
            LogRotation.plan(open: old, readOffset: 500, openSize: 20, path: old, starting: false)
                == [.restartFromTop, .readToEnd])
    }

    @Test func renameAndCreateReadsTheOldFileToItsEndBeforeTheNewOne() {
        #expect(
            LogRotation.plan(open: old, readOffset: 500, openSize: 520, path: new, starting: false)
                == [.readToEnd, .retireCurrent, .openPath(atEnd: false), .readToEnd])
    }

    @Test func deletionRetiresTheFileAndWaitsForANewOne() {
        #expect(
            LogRotation.plan(open: old, readOffset: 500, openSize: 500, path: nil, starting: false)
                == [.readToEnd, .retireCurrent])
    }
}
