import ArgusBPFObject
import ArgusCore
import CBPF
import Glibc

/// The waits for a CPU the opt-in sched_switch probe counted for one watched process, summed
/// over CPUs, since its run-queue slot was given.
public struct BPFRunQueueWaits: Sendable, Equatable {
    public var delayNs: UInt64 = 0
    /// The longest single wait.
    public var delayMaxNs: UInt64 = 0
    /// Waits by log2 microseconds: slot i counts [2^i, 2^(i+1)) µs.
    public var histogram: [UInt64] = Array(repeating: 0, count: Int(ARGUS_RUNQ_SLOTS))

    public init() {}
}

/// Why the BPF programs are off.
public struct BPFError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// argus-trace's BPF programs (bpf/argus.bpf.c), loaded from the object embedded at build
/// time: exits and execs of watched processes on ring buffers, the kernel following new
/// children (`followForks`), and, only when asked (`runQueueHistogram`), each wait for a CPU
/// counted at sched_switch. Only thread groups in the `watched` map are seen.
///
/// Nothing is pinned: programs, maps and links live as long as this process's descriptors,
/// so they go away with it however it ends (SIGKILL included).
public final class BPFCounters {
    /// The programs that run on every context switch; loaded only for the run-queue histogram.
    public static let switchPrograms: Set<String> = ["on_switch"]
    /// Run-queue slots: 1..<runQueueSlotCount can be given to watched processes (0 is none).
    public static let runQueueSlotCount = UInt32(ARGUS_RUNQ_WATCH_SLOTS)

    let object: OpaquePointer
    private var links: [OpaquePointer] = []
    private let watchedMap: Int32
    private let runqMap: Int32
    private let lostMap: Int32
    var ringBuffer: OpaquePointer?
    let collector = EventCollector()
    private let possibleCPUs: Int
    /// Programs that loaded but could not attach, with why.
    public private(set) var detached: [String: String] = [:]
    /// Programs attached, by name.
    public private(set) var attached: Set<String> = []

    func markDetached(_ program: String, _ why: String) {
        attached.remove(program)
        detached[program] = why
    }
    /// True when libbpf relocated against the embedded minimal BTF (no vmlinux BTF parse).
    public let usedMinimalBTF: Bool

    /// Opens, loads (bpf_object__open_mem, bpf_object__load) and attaches the programs asked for.
    /// `followForks` (`run`): the kernel adds the new children of watched processes to
    /// `watched`, and their execs are reported. Without it (one watched process) there is no
    /// exec probe or ring, and the exit ring is one page: it holds that process's one exit.
    /// `runQueueHistogram`: count every wait for a CPU of watched processes (on_switch).
    public init(followForks: Bool, runQueueHistogram: Bool = false) throws(BPFError) {
        if let problem = EmbeddedBPF.buildProblem { throw BPFError(description: "not built: \(problem)") }
        libbpf_set_print(nil)
        let bytes = EmbeddedBPF.object
        let kernelTypes = BPFKernelTypes.forRunningKernel()
        let wanted = ["on_switch": runQueueHistogram, "on_fork": followForks, "on_exec": followForks]
        // libbpf reads the bytes until bpf_object__load returns: open and load in one scope.
        let opened: Result<OpaquePointer, BPFError> = bytes.withUnsafeBytes { raw in
            var options = bpf_object_open_opts()
            options.sz = MemoryLayout<bpf_object_open_opts>.size  // LIBBPF_OPTS does not import
            let object: OpaquePointer? = (kernelTypes?.path ?? "").withCString { path in
                if kernelTypes != nil { options.btf_custom_path = path }
                return bpf_object__open_mem(raw.baseAddress, raw.count, &options)
            }
            guard let object else {
                return .failure(BPFError(description: "opening the object: \(Errno.current)"))
            }
            var code: Int32 = 0
            var program = bpf_object__next_program(object, nil)
            while let current = program, code == 0 {
                if let wanted = wanted[String(cString: bpf_program__name(current))] {
                    code = bpf_program__set_autoload(current, wanted)
                }
                program = bpf_object__next_program(object, current)
            }
            if code == 0 && !followForks { code = Self.shrinkForOneProcess(object) }
            if code == 0 && !runQueueHistogram { code = Self.shrinkRunQueueWaits(object) }
            if code == 0 { code = bpf_object__load(object) }
            guard code == 0 else {
                bpf_object__close(object)
                let error = Errno(rawValue: -code)
                let hint =
                    error == .notPermitted || error == .permissionDenied ? " (needs root: CAP_BPF and CAP_PERFMON)" : ""
                return .failure(BPFError(description: "loading the programs: \(error)\(hint)"))
            }
            return .success(object)
        }
        let loaded = try opened.get()
        object = loaded
        usedMinimalBTF = kernelTypes != nil
        possibleCPUs = max(Int(libbpf_num_possible_cpus()), 1)
        do {
            watchedMap = try Self.mapDescriptor(loaded, "watched")
            runqMap = try Self.mapDescriptor(loaded, "runq_waits")
            lostMap = try Self.mapDescriptor(loaded, "lost")
        } catch {
            bpf_object__close(loaded)
            throw error
        }

        var program = bpf_object__next_program(object, nil)
        while let current = program {
            let name = String(cString: bpf_program__name(current))
            if bpf_program__autoload(current) {
                if let link = bpf_program__attach(current) {
                    links.append(link)
                    attached.insert(name)
                } else {
                    detached[name] = "\(Errno.current)"
                }
            }
            program = bpf_object__next_program(object, current)
        }
        openRingBuffers()
    }

    /// The object's maps, by name. A global variable in the programs would show up as a map
    /// named after its section (".rodata", ".data", ".bss").
    public var mapNames: [String] {
        var names: [String] = []
        var map = bpf_object__next_map(object, nil)
        while let current = map {
            names.append(String(cString: bpf_map__name(current)))
            map = bpf_object__next_map(object, current)
        }
        return names
    }

    deinit {
        if let ringBuffer { ring_buffer__free(ringBuffer) }
        for link in links.reversed() { bpf_link__destroy(link) }
        bpf_object__close(object)
    }

    /// Starts watching `tgid` (bpf_map_update_elem on `watched`). `runQueueSlot` in
    /// 1..<ARGUS_RUNQ_WATCH_SLOTS has its waits for a CPU counted there; 0 counts none.
    public func watch(_ tgid: Int32, runQueueSlot: UInt32 = 0) throws(Errno) {
        var key = UInt32(bitPattern: tgid)
        var slot = runQueueSlot
        try SystemCall.negativeErrno { bpf_map_update_elem(watchedMap, &key, &slot, UInt64(BPF_ANY)) }
    }

    /// Stops watching `tgid` (bpf_map_delete_elem). Not watched (any more) is not an error:
    /// the exit probe removes a group that ended.
    public func unwatch(_ tgid: Int32) throws(Errno) {
        var key = UInt32(bitPattern: tgid)
        do {
            try SystemCall.negativeErrno { bpf_map_delete_elem(watchedMap, &key) }
        } catch .noSuchFile {
            return
        }
    }

    /// Zeroes a run-queue slot on every CPU before it is given to a process.
    public func resetRunQueueSlot(_ slot: UInt32) throws(Errno) {
        var key = slot
        var zeros = [UInt8](repeating: 0, count: Self.perCPUStride * possibleCPUs)
        try SystemCall.negativeErrno { bpf_map_update_elem(runqMap, &key, &zeros, UInt64(BPF_ANY)) }
    }

    /// The waits counted in `slot`, summed over CPUs (bpf_map_lookup_elem on `runq_waits`).
    public func runQueueWaits(slot: UInt32) throws(Errno) -> BPFRunQueueWaits {
        var key = slot
        var buffer = [UInt8](repeating: 0, count: Self.perCPUStride * possibleCPUs)
        try SystemCall.negativeErrno {
            buffer.withUnsafeMutableBytes { bpf_map_lookup_elem(runqMap, &key, $0.baseAddress) }
        }
        var total = BPFRunQueueWaits()
        buffer.withUnsafeBytes { raw in
            for cpu in 0..<possibleCPUs {
                let one = raw.loadUnaligned(fromByteOffset: cpu * Self.perCPUStride, as: argus_runq.self)
                total.delayNs += one.delay_ns
                total.delayMaxNs = max(total.delayMaxNs, one.delay_max_ns)
                withUnsafeBytes(of: one.hist) { slots in
                    for slot in 0..<total.histogram.count {
                        total.histogram[slot] += slots.loadUnaligned(fromByteOffset: slot * 8, as: UInt64.self)
                    }
                }
            }
        }
        return total
    }

    /// Per-CPU values come from the kernel 8-byte aligned, one after another.
    private static let perCPUStride = (MemoryLayout<argus_runq>.size + 7) & ~7

    /// Events a ring buffer had no room for (0 when the count cannot be read).
    public var lostExits: UInt64 { (try? lost(0)) ?? 0 }
    public var lostExecs: UInt64 { (try? lost(1)) ?? 0 }

    private func lost(_ index: UInt32) throws(Errno) -> UInt64 {
        var key = index
        var count: UInt64 = 0
        try SystemCall.negativeErrno { bpf_map_lookup_elem(lostMap, &key, &count) }
        return count
    }

    /// bpf_object__find_map_by_name + bpf_map__fd.
    static func mapDescriptor(_ object: OpaquePointer, _ name: String) throws(BPFError) -> Int32 {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw BPFError(description: "the object has no map \(name)")
        }
        let descriptor = bpf_map__fd(map)
        guard descriptor >= 0 else { throw BPFError(description: "map \(name): \(Errno(rawValue: -descriptor))") }
        return descriptor
    }

    /// One watched process: no exec ring (bpf_map__set_autocreate), a one-page exit ring
    /// (bpf_map__set_max_entries). Each ring's pages are mapped twice into this process, so the
    /// run-mode sizes would cost 2.5 MB of resident memory. The watched map holds that process
    /// (and, across a restart, its next incarnation) in `singleTargetEntries` instead of 65,536:
    /// the kernel zeroes a hash map's whole bucket array at creation, 1 MB and about 1 ms for
    /// the full size, even without preallocation. Returns 0 or a negative errno.
    private static func shrinkForOneProcess(_ object: OpaquePointer) -> Int32 {
        guard let execs = bpf_object__find_map_by_name(object, "execs"),
            let exits = bpf_object__find_map_by_name(object, "exits"),
            let watched = bpf_object__find_map_by_name(object, "watched")
        else { return -ENOENT }
        var code = bpf_map__set_autocreate(execs, false)
        if code == 0 { code = bpf_map__set_max_entries(exits, UInt32(sysconf(Int32(_SC_PAGESIZE)))) }
        return code != 0 ? code : bpf_map__set_max_entries(watched, singleTargetEntries)
    }

    /// Entries of the watched map without `followForks`: one process at a time, with room to spare.
    static let singleTargetEntries: UInt32 = 64

    /// Without the histogram no slot is ever given: `runq_waits` keeps one entry instead of
    /// 256 per CPU, each a histogram (a per-CPU allocation the load would zero for nothing).
    private static func shrinkRunQueueWaits(_ object: OpaquePointer) -> Int32 {
        guard let waits = bpf_object__find_map_by_name(object, "runq_waits") else { return -ENOENT }
        return bpf_map__set_max_entries(waits, 1)
    }
}
