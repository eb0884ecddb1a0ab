import Glibc

/// The clocks argus-trace reads.
public enum Clocks {
    public static func monotonicNs() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    public static func realtimeNs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}

extension Clocks {
    /// CLOCK_BOOTTIME: the clock /proc/PID/stat's start time counts on (it includes suspend).
    public static func boottimeNs() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

extension Clocks {
    /// A /proc start time (clock ticks after boot, CLOCK_BOOTTIME) on the CLOCK_MONOTONIC scale
    /// the proc connector stamps events with.
    public static func monotonicNs(ofStartTicks ticks: UInt64, ticksPerSecond: UInt64) -> UInt64 {
        let boottime = boottimeNs()
        let monotonic = monotonicNs()
        let suspended = boottime > monotonic ? boottime - monotonic : 0
        let start = ticks * (1_000_000_000 / max(ticksPerSecond, 1))
        return start > suspended ? start - suspended : 0
    }
}

extension Clocks {
    /// The /proc start time (clock ticks after boot) of a process whose fork the proc connector
    /// stamped at `monotonicNs`: the inverse of `monotonicNs(ofStartTicks:ticksPerSecond:)`.
    public static func startTicks(ofMonotonicNs ns: UInt64, ticksPerSecond: UInt64) -> UInt64 {
        let boottime = boottimeNs()
        let monotonic = monotonicNs()
        let suspended = boottime > monotonic ? boottime - monotonic : 0
        return (ns + suspended) / (1_000_000_000 / max(ticksPerSecond, 1))
    }
}

extension Clocks {
    /// nanosleep(2) for `ns`, resumed after a signal interrupts it. For worker threads only:
    /// the event loop never sleeps.
    public static func sleep(ns: UInt64) {
        var request = timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// A /proc start time (clock ticks after boot, CLOCK_BOOTTIME) on the wall clock
    /// (CLOCK_REALTIME, ns since the epoch): now minus how long ago it was.
    public static func realtimeNs(ofStartTicks ticks: UInt64, ticksPerSecond: UInt64) -> Int64 {
        let boottime = boottimeNs()
        let realtime = realtimeNs()
        let (start, overflow) = ticks.multipliedReportingOverflow(by: 1_000_000_000 / max(ticksPerSecond, 1))
        let ago = overflow || start > boottime ? 0 : boottime - start
        return realtime - Int64(clamping: ago)
    }
}
