import ArgusCore
import ArgusKernel

/// The cgroup v2 group a watch follows (--cgroup, --unit): its members are the processes in it,
/// those forked inside it and those moved in from outside (as systemd moves a unit's new main
/// process); they leave by exiting or moving out. cgroup.events, watched with inotify, says when
/// the group empties.
final class CgroupWatch {
    /// The group's directory.
    let path: String
    /// The group as /proc/PID/cgroup names it, relative to the mount ("/a/b").
    let group: String
    private let inotify: Inotify
    private(set) var populated = true

    private init(path: String, group: String) throws(Errno) {
        self.path = path
        self.group = group
        inotify = try Inotify()
        _ = try inotify.watch(path + "/cgroup.events", mask: Inotify.fileEvents)
        populated = CgroupFS.isPopulated(path) ?? false
    }

    var descriptor: Int32 { inotify.descriptor.rawValue }

    /// The group at `path`: absolute, or relative to the cgroup2 mount.
    static func resolve(path: String) -> Result<CgroupWatch, CgroupProblem> {
        guard let mount = CgroupFS.mountPoint() else {
            return .failure(
                CgroupProblem("cgroup v2 is not mounted here (no cgroup2 in /proc/self/mountinfo); --cgroup needs it"))
        }
        let trimmedMount = mount.hasSuffix("/") ? String(mount.dropLast()) : mount
        var absolute = path.hasPrefix(trimmedMount + "/") || path == trimmedMount ? path : trimmedMount + "/" + path
        while absolute.hasSuffix("/") && absolute.count > 1 { absolute.removeLast() }
        absolute = absolute.replacingDoubleSlashes()
        guard FileSystem.kind(of: absolute + "/cgroup.procs") == .regularFile else {
            return .failure(CgroupProblem("no cgroup v2 group at \(absolute) (cgroup2 is mounted at \(mount))"))
        }
        let group = String(absolute.dropFirst(trimmedMount.count))
        do {
            return .success(try CgroupWatch(path: absolute, group: group.isEmpty ? "/" : group))
        } catch {
            return .failure(CgroupProblem("cannot watch \(absolute)/cgroup.events: \(error)"))
        }
    }

    /// A systemd unit's group (system.slice/NAME, with ".service" when NAME has no type).
    static func resolve(unit: String) -> Result<CgroupWatch, CgroupProblem> {
        guard CgroupFS.systemdIsInit else {
            let initName = ProcessReader.stat(1)?.comm ?? "unknown"
            return .failure(
                CgroupProblem(
                    "--unit needs systemd as the init system, and PID 1 here is '\(initName)' "
                        + "(no /run/systemd/system); use --cgroup with the service's cgroup"))
        }
        let name = unit.contains(".") ? unit : unit + ".service"
        for slice in ["system.slice", "user.slice", ""] {
            let candidate = slice.isEmpty ? name : slice + "/" + name
            if case .success(let watch) = resolve(path: candidate) { return .success(watch) }
        }
        return .failure(CgroupProblem("no cgroup for unit \(name) (is it loaded and running?)"))
    }

    /// cgroup.events changed: populated or not, or the group is gone.
    func eventsChanged(_ scope: WatchScope, _ session: Session) {
        _ = inotify.read()
        populated = CgroupFS.isPopulated(path) ?? false
        if populated && scope.state == .waiting { reconcile(scope, session) }
    }

    /// Members as cgroup.procs lists them: a process not yet known joins (it was moved in, or
    /// it is the next incarnation's first), and a member that is alive elsewhere moved out.
    func reconcile(_ scope: WatchScope, _ session: Session) {
        populated = CgroupFS.isPopulated(path) ?? false  // also where inotify could not watch it
        guard let listed = CgroupFS.processes(path) else { return }
        let inside = Set(listed)
        for pid in listed where !session.table.contains(pid) { movedIn(pid, execNs: nil, scope, session) }
        for pid in session.table.live.keys.sorted() where !inside.contains(pid) {
            // A zombie has left cgroup.procs already: its exit is on its way.
            guard let stat = ProcessReader.stat(pid), stat.state != "Z", CgroupFS.group(of: pid) != group else {
                continue
            }
            session.release(pid, reason: "moved out of cgroup \(group)")
        }
    }

    /// A process found in the group (by its exec, checked on the worker, or in cgroup.procs):
    /// the next incarnation's root while waiting, else a member that joins.
    func movedIn(_ pid: Int32, execNs: UInt64?, _ scope: WatchScope, _ session: Session) {
        if session.table.root == nil || scope.state == .waiting {
            _ = scope.attach(pid, execNs: execNs, session)
        } else if let arrival = Session.arrival(of: pid), session.join(arrival, isRoot: false) {
            session.memberJoined(pid, detail: "found in cgroup \(group)")
        }
    }
}

/// Why a cgroup or unit cannot be watched: one line for the user.
struct CgroupProblem: Error {
    var message: String

    init(_ message: String) { self.message = message }
}

extension String {
    fileprivate func replacingDoubleSlashes() -> String {
        var result = ""
        for character in self where !(character == "/" && result.hasSuffix("/")) { result.append(character) }
        return result
    }
}
