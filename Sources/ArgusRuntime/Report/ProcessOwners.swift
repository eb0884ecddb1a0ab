/// Which process a row of a pid belongs to at an instant: the latest of that pid that started
/// before it (pids are reused in long sessions), else the first.
struct ProcessOwners {
    private let byPid: [Int32: [Int]]
    private let processes: [RunProcess]

    init(_ processes: [RunProcess]) {
        self.processes = processes
        var byPid: [Int32: [Int]] = [:]
        for (index, process) in processes.enumerated() { byPid[process.pid, default: []].append(index) }
        self.byPid = byPid
    }

    func index(of pid: Int32, at ns: Int64) -> Int? {
        guard let candidates = byPid[pid] else { return nil }
        return candidates.last { processes[$0].started.nanoseconds <= ns } ?? candidates.first
    }
}
