import ArgusCore
import Testing

@Suite struct WaitStatusTests {
    @Test func exitCodeComesFromTheSecondByte() {
        let status = WaitStatus(raw: 0x700)
        #expect(status.exitStatus == 7)
        #expect(status.signal == nil)
        #expect(status.shellCode == 7)
        #expect(!status.coreDumped)
    }

    @Test func deathBySignalIs128PlusTheSignal() {
        let status = WaitStatus(raw: 0x9)
        #expect(status.signal == 9)
        #expect(status.exitStatus == nil)
        #expect(status.shellCode == 137)
        #expect(status.description == "killed by SIGKILL (signal 9)")
    }

    @Test func coreBitIsReadOnlyForSignals() {
        #expect(WaitStatus(raw: 0x8b).coreDumped)
        #expect(WaitStatus(raw: 0x8b).signal == 11)
        #expect(!WaitStatus(raw: 0x8000).coreDumped)
        #expect(WaitStatus(raw: 0x8000).exitStatus == 128)
    }

    @Test func exit255AndZero() {
        #expect(WaitStatus(raw: 0xff00).shellCode == 255)
        #expect(WaitStatus(raw: 0).shellCode == 0)
        #expect(WaitStatus.exited(255) == WaitStatus(raw: 0xff00))
        #expect(WaitStatus.signaled(11, coreDumped: true) == WaitStatus(raw: 0x8b))
    }
}
