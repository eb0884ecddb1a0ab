import Glibc

/// A process's CPU clock (clock_getcpuclockid): the on-CPU ns of all its threads, exited ones
/// included, read with one clock_gettime and no /proc file.
public struct ProcessCPUClock: Sendable {
    private let clock: clockid_t

    /// nil when the process is gone or its clock is not ours to read.
    public init?(pid: Int32) {
        var clock = clockid_t()
        guard clock_getcpuclockid(pid, &clock) == 0 else { return nil }
        self.clock = clock
    }

    /// clock_gettime on the clock; nil once the process is gone.
    public func nanoseconds() -> UInt64? {
        var value = timespec()
        guard clock_gettime(clock, &value) == 0 else { return nil }
        return UInt64(value.tv_sec) * 1_000_000_000 + UInt64(value.tv_nsec)
    }
}
