import ArgusCore

extension Record {
    /// Roughly how many bytes the record holds while queued: a fixed part per value plus the
    /// UTF-8 bytes of its strings and the elements of its arrays. It bounds the writer's queue;
    /// it need not be exact, only grow with what the record carries.
    var approximateBytes: Int {
        switch self {
        case .metric(let m):
            let names: Int = m.appName.utf8.count + m.processName.utf8.count + m.state.utf8.count
            let kernel: Int =
                m.kernel.map { (counters: KernelCounterDeltas) -> Int in
                    64 + (counters.runqHistogram?.count ?? 0) * 8
                } ?? 0
            return 256 + names + kernel
        case .event(let e):
            return 160 + e.appName.utf8.count + e.processName.utf8.count + (e.source?.utf8.count ?? 0)
                + (e.detail?.utf8.count ?? 0)
        case .log(let l):
            return 160 + l.appName.utf8.count + l.processName.utf8.count + l.line.utf8.count + l.path.utf8.count
                + (l.raw?.count ?? 0)
        case .process(let p):
            return 192 + (p.comm?.utf8.count ?? 0) + (p.exe?.utf8.count ?? 0)
                + (p.argv?.reduce(0) { $0 + 16 + $1.utf8.count } ?? 0)
        case .session(let s):
            return 128 + (s.appName?.utf8.count ?? 0) + (s.targetName?.utf8.count ?? 0) + (s.endReason?.utf8.count ?? 0)
        case .stall(let s):
            return 192 + s.appName.utf8.count + s.processName.utf8.count + s.trigger.utf8.count
        case .stallEnd(let e):
            return 128 + e.reason.utf8.count
        case .stallSnapshot(let s):
            let threads = s.threads.reduce(0) { total, thread in
                total + 96 + thread.name.utf8.count + thread.state.utf8.count + (thread.wchan?.utf8.count ?? 0)
                    + (thread.syscall?.utf8.count ?? 0) + (thread.kernelStack?.utf8.count ?? 0)
                    + (thread.userStack?.utf8.count ?? 0)
            }
            let processes = s.processes.reduce(0) { total, process in
                total + 160 + process.argv.reduce(0) { $0 + 8 + $1.utf8.count } + process.children.count * 12
                    + (process.cwd?.utf8.count ?? 0) + (process.name?.utf8.count ?? 0)
                    + (process.stackError?.utf8.count ?? 0) + (process.captureError?.utf8.count ?? 0)
            }
            let pressure = s.pressure.values.reduce(0) { $0 + 16 + $1.utf8.count }
            let top = ((s.topCPU ?? []) + (s.topIO ?? [])).reduce(0) { $0 + 48 + $1.comm.utf8.count }
            return 160 + threads + processes + pressure + top
        case .fineSamples(let record):
            return record.samples.reduce(64) { total, sample in
                sample.threads.reduce(total + 96) { total, thread in
                    total + 96 + thread.name.utf8.count + (thread.wchan?.utf8.count ?? 0)
                }
            }
        case .groupSample(let g):
            return 160 + g.appName.utf8.count
        case .alert(let a):
            return 192 + a.rule.utf8.count + a.appName.utf8.count + (a.processName?.utf8.count ?? 0)
                + a.detail.utf8.count
        case .alertCleared(let c):
            return 96 + c.rule.utf8.count + c.reason.utf8.count
        }
    }
}
