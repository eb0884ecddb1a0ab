import Glibc

/// The process's resource limits.
public enum ResourceLimits {
    /// setrlimit(RLIMIT_NOFILE): raises the soft limit on open files to the hard limit, since a
    /// watched service's members each hold a pidfd and a few /proc files (a soft limit of 1,024
    /// is common). Returns the soft limit in force afterwards, or nil if it could not be read.
    @discardableResult
    public static func raiseOpenFiles() -> UInt64? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
        }
        return UInt64(limit.rlim_cur)
    }
}
