import ArgusCore
import ArgusKernel

/// Which running process `--process NAME` means: the newest match, or with --follow-children
/// the top of the named tree (the newest match whose parent is not a match: nginx's master,
/// postgres's postmaster, gunicorn's arbiter). Says how many matched and which it chose.
enum ProcessChoice {
    static func find(_ name: String, topOfTree: Bool, _ console: Console) -> ProcessCandidate? {
        let matches = ProcessMatch.matching(name, in: ProcessReader.candidates(excluding: [ProcessControl.currentPID]))
        guard !matches.isEmpty else { return nil }
        var chosen = matches[0]
        var how = "the newest"
        if topOfTree {
            let pids = Set(matches.map(\.pid))
            let tops = matches.filter { candidate in
                ProcessReader.stat(candidate.pid).map { !pids.contains($0.ppid) } ?? false
            }
            chosen = tops.first ?? chosen
            how = "the top of the newest tree (\(tops.count) tree(s))"
        }
        if matches.count > 1 {
            let others = matches.filter { $0.pid != chosen.pid }.prefix(5).map { String($0.pid) }.joined(
                separator: ", ")
            console.info(
                "\(matches.count) processes match '\(name)'; watching \(how), PID \(chosen.pid) "
                    + "(others: \(others)\(matches.count > 6 ? ", ..." : ""))")
        } else {
            console.info("1 process matches '\(name)': PID \(chosen.pid)")
        }
        return chosen
    }
}
