import ArgusBPFObject
import ArgusCore
import CBPF
import Glibc

/// Cumulative kernel counters of one watched thread group, summed over CPUs.
public struct BPFCounterValues: Sendable, Equatable {
    public var oncpuNs: UInt64 = 0
    public var runqDelayNs: UInt64 = 0
    /// The longest single wait for a CPU since watching began.
    public var runqDelayMaxNs: UInt64 = 0
    public var switchesVoluntary: UInt64 = 0
    public var switchesInvoluntary: UInt64 = 0
    public var faultsUser: UInt64 = 0
    /// Waits for a CPU by log2 microseconds: slot i counts [2^i, 2^(i+1)) µs.
    public var runqHistogram: [UInt64] = Array(repeating: 0, count: Int(ARGUS_RUNQ_SLOTS))

    public init() {}
}

/// The end of a watched process as sched_process_exit saw it (last thread, group dead).
public struct BPFExit: Sendable, Equatable {
    public var monotonicNs: UInt64
    public var pid: Int32
    public var tgid: Int32
    public var status: WaitStatus
}

/// A watched process ran a new program, as sched_process_exec saw it.
public struct BPFExec: Sendable, Equatable {
    public var monotonicNs: UInt64
    public var pid: Int32
    public var tgid: Int32
    public var comm: String
    /// The path given to execve (relative paths stay relative).
    public var filename: String
    public var argv: [String]
    /// True when argv was longer than the probe copies (ARGUS_ARGS_BYTES).
    public var argvCut: Bool
}

/// Why the BPF counters are off.
public struct BPFError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// argus-trace's BPF programs (bpf/argus.bpf.c), loaded from the object embedded at build
/// time: scheduler and page-fault counters per watched thread group, and exits on a ring
/// buffer. Only thread groups in the `watched` map are counted.
///
/// Nothing is pinned: programs, maps and links live as long as this process's descriptors,
/// so they go away with it however it ends (SIGKILL included).
public final class BPFCounters {
    private let object: OpaquePointer
    private var links: [OpaquePointer] = []
    private let watchedMap: Int32
    private let countersMap: Int32
    private let lostMap: Int32
    private var ringBuffer: OpaquePointer?
    private let collector = ExitCollector()
    private let possibleCPUs: Int
    /// Programs that loaded but could not attach, with why; their counters stay zero.
    public private(set) var detached: [String: String] = [:]

    /// Opens, loads (bpf_object__open_mem, bpf_object__load) and attaches every program.
    /// `followForks`: the kernel adds the new children of watched processes to `watched`.
    public init(followForks: Bool) throws(BPFError) {
        if let problem = EmbeddedBPF.buildProblem { throw BPFError(description: "not built: \(problem)") }
        libbpf_set_print(nil)
        let bytes = EmbeddedBPF.object
        // libbpf reads the bytes until bpf_object__load returns: open and load in one scope.
        let opened: Result<OpaquePointer, BPFError> = bytes.withUnsafeBytes { raw in
            guard let object = bpf_object__open_mem(raw.baseAddress, raw.count, nil) else {
                return .failure(BPFError(description: "opening the object: \(Errno.current)"))
            }
            Self.configure(object, followForks: followForks)
            let code = bpf_object__load(object)
            guard code == 0 else {
                bpf_object__close(object)
                let error = Errno(rawValue: -code)
                let hint = error == .notPermitted || error == .permissionDenied ? " (needs root: CAP_BPF and CAP_PERFMON)" : ""
                return .failure(BPFError(description: "loading the programs: \(error)\(hint)"))
            }
            return .success(object)
        }
        let loaded = try opened.get()
        object = loaded
        watchedMap = Self.mapDescriptor(loaded, "watched")
        countersMap = Self.mapDescriptor(loaded, "counters")
        lostMap = Self.mapDescriptor(loaded, "lost")
        possibleCPUs = max(Int(libbpf_num_possible_cpus()), 1)

        var program = bpf_object__next_program(object, nil)
        while let current = program {
            let name = String(cString: bpf_program__name(current))
            if let link = bpf_program__attach(current) {
                links.append(link)
            } else {
                detached[name] = "\(Errno.current)"
            }
            program = bpf_object__next_program(object, current)
        }
        let context = Unmanaged.passUnretained(collector).toOpaque()
        ringBuffer = ring_buffer__new(Self.mapDescriptor(loaded, "exits"), BPFCounters.receiveExit, context, nil)
        if let ringBuffer {
            ring_buffer__add(ringBuffer, Self.mapDescriptor(loaded, "execs"), BPFCounters.receiveExec, context)
        }
    }

    deinit {
        if let ringBuffer { ring_buffer__free(ringBuffer) }
        for link in links.reversed() { bpf_link__destroy(link) }
        bpf_object__close(object)
    }

    /// The ring buffers' epoll descriptor: readable when exits or execs are waiting.
    public var exitDescriptor: Int32? { ringBuffer.map { ring_buffer__epoll_fd($0) } }

    /// Starts counting `tgid` (bpf_map_update_elem on `watched`).
    public func watch(_ tgid: Int32) {
        var key = UInt32(bitPattern: tgid)
        var yes: UInt8 = 1
        bpf_map_update_elem(watchedMap, &key, &yes, UInt64(BPF_ANY))
    }

    /// Stops counting `tgid` and forgets its counters.
    public func unwatch(_ tgid: Int32) {
        var key = UInt32(bitPattern: tgid)
        bpf_map_delete_elem(watchedMap, &key)
        bpf_map_delete_elem(countersMap, &key)
    }

    /// The counters of `tgid` so far, summed over CPUs (nil before its first counted event).
    public func counters(of tgid: Int32) -> BPFCounterValues? {
        var key = UInt32(bitPattern: tgid)
        let stride = (MemoryLayout<argus_counters>.size + 7) & ~7
        var buffer = [UInt8](repeating: 0, count: stride * possibleCPUs)
        let found = buffer.withUnsafeMutableBytes { bpf_map_lookup_elem(countersMap, &key, $0.baseAddress) }
        guard found == 0 else { return nil }
        var total = BPFCounterValues()
        buffer.withUnsafeBytes { raw in
            for cpu in 0..<possibleCPUs {
                let one = raw.loadUnaligned(fromByteOffset: cpu * stride, as: argus_counters.self)
                total.oncpuNs += one.oncpu_ns
                total.runqDelayNs += one.runq_delay_ns
                total.runqDelayMaxNs = max(total.runqDelayMaxNs, one.runq_delay_max_ns)
                total.switchesVoluntary += one.switches_voluntary
                total.switchesInvoluntary += one.switches_involuntary
                total.faultsUser += one.faults_user
                withUnsafeBytes(of: one.runq_hist) { slots in
                    for slot in 0..<total.runqHistogram.count {
                        total.runqHistogram[slot] += slots.loadUnaligned(fromByteOffset: slot * 8, as: UInt64.self)
                    }
                }
            }
        }
        return total
    }

    /// The exits and execs the ring buffers hold (ring_buffer__consume), oldest first.
    public func drain() -> (exits: [BPFExit], execs: [BPFExec]) {
        guard let ringBuffer else { return ([], []) }
        ring_buffer__consume(ringBuffer)
        defer {
            collector.exits.removeAll(keepingCapacity: true)
            collector.execs.removeAll(keepingCapacity: true)
        }
        return (collector.exits, collector.execs)
    }

    /// Exits the ring buffer holds, oldest first (execs read meanwhile are dropped).
    public func drainExits() -> [BPFExit] { drain().exits }

    /// Events a ring buffer had no room for.
    public var lostExits: UInt64 { lost(0) }
    public var lostExecs: UInt64 { lost(1) }

    private func lost(_ index: UInt32) -> UInt64 {
        var key = index
        var count: UInt64 = 0
        bpf_map_lookup_elem(lostMap, &key, &count)
        return count
    }

    /// bpf_object__find_map_by_name + bpf_map__fd.
    private static func mapDescriptor(_ object: OpaquePointer, _ name: String) -> Int32 {
        bpf_object__find_map_by_name(object, name).map { bpf_map__fd($0) } ?? -1
    }

    /// Writes the load-time configuration into the object's .rodata (the program's
    /// `const volatile struct argus_config`, its only read-only global).
    private static func configure(_ object: OpaquePointer, followForks: Bool) {
        var map = bpf_object__next_map(object, nil)
        while let current = map {
            let name = String(cString: bpf_map__name(current))
            if name.hasSuffix(".rodata"), bpf_map__value_size(current) == MemoryLayout<argus_config>.size {
                var config = argus_config(follow_forks: followForks ? 1 : 0, pad: 0)
                bpf_map__set_initial_value(current, &config, MemoryLayout<argus_config>.size)
            }
            map = bpf_object__next_map(object, current)
        }
    }

    /// ring_buffer_sample_fn: copies one exit event out of the ring (no alignment promised).
    private static let receiveExit: ring_buffer_sample_fn = { context, data, size in
        guard let context, let data, size >= MemoryLayout<argus_exit_event>.size else { return 0 }
        let event = UnsafeRawPointer(data).loadUnaligned(as: argus_exit_event.self)
        Unmanaged<ExitCollector>.fromOpaque(context).takeUnretainedValue().exits.append(
            BPFExit(
                monotonicNs: event.timestamp_ns, pid: Int32(bitPattern: event.pid), tgid: Int32(bitPattern: event.tgid),
                status: WaitStatus(raw: event.exit_code)))
        return 0
    }
}

extension BPFCounters {
    /// ring_buffer_sample_fn for `execs`: copies the event out and decodes it.
    fileprivate static let receiveExec: ring_buffer_sample_fn = { context, data, size in
        guard let context, let data, size >= MemoryLayout<argus_exec_event>.size else { return 0 }
        let event = UnsafeRawPointer(data).loadUnaligned(as: argus_exec_event.self)
        Unmanaged<ExitCollector>.fromOpaque(context).takeUnretainedValue().execs.append(BPFExec(event))
        return 0
    }
}

extension BPFExec {
    /// The shared struct's fixed-size, NUL-padded strings as Swift values.
    fileprivate init(_ event: argus_exec_event) {
        let comm = withUnsafeBytes(of: event.comm) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let filename = withUnsafeBytes(of: event.filename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let filled = Int(min(event.args_bytes, UInt32(ARGUS_ARGS_BYTES)))
        var argv = withUnsafeBytes(of: event.args) { raw in
            raw.prefix(filled).split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        }
        if withUnsafeBytes(of: event.args, { filled > 0 && $0[filled - 1] == 0 }) { argv.removeLast() }
        self.init(
            monotonicNs: event.timestamp_ns, pid: Int32(bitPattern: event.pid), tgid: Int32(bitPattern: event.tgid),
            comm: comm, filename: filename, argv: argv, argvCut: event.args_cut != 0)
    }
}

/// Where the ring buffer callbacks put events; used on the loop thread only.
private final class ExitCollector {
    var exits: [BPFExit] = []
    var execs: [BPFExec] = []
}
