import ArgusCore
import ArgusKernel
import Testing

/// Messages recorded from the proc connector on this kernel (6.18) while `sh -c 'exit 7'` ran
/// (pid 5126, parent 5085) and a `sleep` (pid 5127) was killed with SIGKILL.
enum RecordedMessages {
    static let acknowledgement =
        "4c00000003000000020000000000000001000000010000000200000001000000280000000000000001000000ec102a78a0000000000000000000000000000000000000000000000000000000"
    static let fork =
        "4c00000003000000030000000000000001000000010000000300000000000000280000000100000001000000dc472b78a0000000dd130000dd13000006140000061400000000000000000000"
    static let exec =
        "4c0000000300000004000000000000000100000001000000040000000000000028000000020000000100000088783478a0000000061400000614000000000000000000000000000000000000"
    static let exit7 =
        "4c00000003000000050000000000000001000000010000000500000000000000280000000000008001000000c98b3d78a000000006140000061400000007000011000000dd130000dd130000"
    static let exitSIGKILL =
        "4c00000003000000070000000000000001000000010000000700000000000000280000000000008001000000e3034278a000000007140000071400000900000011000000dd130000dd130000"

    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func decode(_ hexes: String...) -> [ProcEvent] {
        let bytes = hexes.flatMap(bytes)
        return bytes.withUnsafeBytes { ProcConnector.decode(messages: $0, length: bytes.count) }
    }
}

@Suite struct ProcConnectorDecodeTests {
    @Test func exitCarriesTheRawWaitStatus() throws {
        let event = try #require(RecordedMessages.decode(RecordedMessages.exit7).first)
        #expect(event.kind == .exit(pid: 5126, tgid: 5126, status: .exited(7), parentTgid: 5085))
        #expect(event.monotonicNs == 0xa0_783d_8bc9)
    }

    @Test func deathBySignalDecodesAsTheSignal() throws {
        let event = try #require(RecordedMessages.decode(RecordedMessages.exitSIGKILL).first)
        guard case .exit(_, _, let status, _) = event.kind else {
            Issue.record("not an exit: \(event.kind)")
            return
        }
        #expect(status.signal == 9)
        #expect(status.shellCode == 137)
    }

    @Test func forkAndExecNameTheChild() {
        let events = RecordedMessages.decode(RecordedMessages.fork, RecordedMessages.exec)
        #expect(
            events.map(\.kind) == [
                .fork(parentPid: 5085, parentTgid: 5085, childPid: 5126, childTgid: 5126),
                .exec(pid: 5126, tgid: 5126),
            ])
    }

    @Test func subscriptionAcknowledgementIsRecognised() {
        #expect(RecordedMessages.decode(RecordedMessages.acknowledgement).map(\.kind) == [.acknowledgement(error: 0)])
    }

    @Test func truncatedOrForeignMessagesAreSkipped() {
        let whole = RecordedMessages.bytes(RecordedMessages.exit7)
        let truncated = Array(whole.prefix(40))
        #expect(truncated.withUnsafeBytes { ProcConnector.decode(messages: $0, length: truncated.count) }.isEmpty)
        var foreign = whole
        foreign[16] = 9  // cb_id.idx of another connector
        #expect(foreign.withUnsafeBytes { ProcConnector.decode(messages: $0, length: foreign.count) }.isEmpty)
    }
}
