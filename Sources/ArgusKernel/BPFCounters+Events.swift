import ArgusCore
import CBPF
import Glibc

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

extension BPFCounters {
    /// The ring buffers' epoll descriptor: readable when exits or execs are waiting.
    public var exitDescriptor: Int32? {
        guard let ringBuffer else { return nil }
        let descriptor = ring_buffer__epoll_fd(ringBuffer)
        return descriptor >= 0 ? descriptor : nil
    }

    /// ring_buffer__new on `exits`, ring_buffer__add for `execs` when its probe is loaded.
    /// Without them exits and execs are not seen (the proc connector and /proc still are);
    /// `detached` says so.
    func openRingBuffers() {
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let exits: Int32
        do {
            exits = try Self.mapDescriptor(object, "exits")
        } catch {
            markDetached("on_exit", "\(error)")
            return
        }
        guard let ring = ring_buffer__new(exits, BPFCounters.receiveExit, context, nil) else {
            markDetached("on_exit", "ring buffer: \(Errno.current)")
            return
        }
        ringBuffer = ring
        guard attached.contains("on_exec") else { return }
        do {
            let code = ring_buffer__add(ring, try Self.mapDescriptor(object, "execs"), BPFCounters.receiveExec, context)
            if code < 0 { markDetached("on_exec", "ring buffer: \(Errno(rawValue: -code))") }
        } catch {
            markDetached("on_exec", "\(error)")
        }
    }

    /// The exits and execs the ring buffers hold (ring_buffer__consume), oldest first.
    public func drain() -> (exits: [BPFExit], execs: [BPFExec]) {
        guard let ringBuffer else { return ([], []) }
        _ = ring_buffer__consume(ringBuffer)  // a negative code leaves the events for the next call
        defer {
            collector.exits.removeAll(keepingCapacity: true)
            collector.execs.removeAll(keepingCapacity: true)
        }
        return (collector.exits, collector.execs)
    }

    /// Exits the ring buffer holds, oldest first (execs read meanwhile are dropped).
    public func drainExits() -> [BPFExit] { drain().exits }

    /// ring_buffer_sample_fn: copies one exit event out of the ring (no alignment promised).
    fileprivate static let receiveExit: ring_buffer_sample_fn = { context, data, size in
        guard let context, let data, size >= MemoryLayout<argus_exit_event>.size else { return 0 }
        let event = UnsafeRawPointer(data).loadUnaligned(as: argus_exit_event.self)
        Unmanaged<EventCollector>.fromOpaque(context).takeUnretainedValue().exits.append(
            BPFExit(
                monotonicNs: event.timestamp_ns, pid: Int32(bitPattern: event.pid), tgid: Int32(bitPattern: event.tgid),
                status: WaitStatus(raw: event.exit_code)))
        return 0
    }

    /// ring_buffer_sample_fn for `execs`: copies the event out and decodes it.
    fileprivate static let receiveExec: ring_buffer_sample_fn = { context, data, size in
        guard let context, let data, size >= MemoryLayout<argus_exec_event>.size else { return 0 }
        let event = UnsafeRawPointer(data).loadUnaligned(as: argus_exec_event.self)
        Unmanaged<EventCollector>.fromOpaque(context).takeUnretainedValue().execs.append(BPFExec(event))
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
            raw.prefix(filled).split(separator: 0, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        if withUnsafeBytes(of: event.args, { filled > 0 && $0[filled - 1] == 0 }) { argv.removeLast() }
        self.init(
            monotonicNs: event.timestamp_ns, pid: Int32(bitPattern: event.pid), tgid: Int32(bitPattern: event.tgid),
            comm: comm, filename: filename, argv: argv, argvCut: event.args_cut != 0)
    }
}

/// Where the ring buffer callbacks put events; used on the loop thread only.
final class EventCollector {
    var exits: [BPFExit] = []
    var execs: [BPFExec] = []
}
