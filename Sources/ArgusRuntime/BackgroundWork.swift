import ArgusKernel
import Dispatch
import Synchronization

/// Slow work kept off the loop thread: machine-wide /proc scans (overflow recovery, top
/// consumers), --wait's reads of each new program, stall captures. A job runs on a worker
/// thread and returns a `Sendable` value; its continuation then runs on the loop thread, when
/// the loop sees `descriptor` readable and calls `deliver()`.
final class BackgroundWork {
    /// Results handed from worker threads to the loop.
    private final class Mailbox: Sendable {
        let ready = Mutex<[(id: Int, result: any Sendable)]>([])
        let signal: EventCounter

        init(signal: EventCounter) { self.signal = signal }

        func post(_ id: Int, _ result: any Sendable) {
            ready.withLock { $0.append((id, result)) }
            signal.raise()
        }
    }

    private let mailbox: Mailbox
    private var continuations: [Int: (any Sendable) -> Void] = [:]
    private var nextID = 0

    init() throws(Errno) {
        mailbox = Mailbox(signal: try EventCounter())
    }

    var descriptor: Int32 { mailbox.signal.descriptor.rawValue }

    /// Jobs started and not yet delivered.
    var outstanding: Int { continuations.count }

    /// Runs `job` on a worker thread, then `then` with its result on the loop thread.
    func run<Result: Sendable>(_ job: @escaping @Sendable () -> Result, then: @escaping (Result) -> Void) {
        nextID += 1
        let id = nextID
        continuations[id] = { then($0 as! Result) }
        let mailbox = self.mailbox
        // A thread of its own per job (they are few: a batch of exec checks, a capture, a hook):
        // libdispatch's pool runs about as many jobs at once as there are CPUs and holds back new
        // threads while the CPUs are busy, so long jobs (an --on-alert program, eu-stack) or a
        // busy machine would hold back --wait's exec checks.
        if !DetachedThread.start({ mailbox.post(id, job()) }) {
            DispatchQueue(label: "argus-trace.background").async { mailbox.post(id, job()) }
        }
    }

    /// Runs the continuations of every finished job, oldest first.
    func deliver() {
        mailbox.signal.acknowledge()
        let ready = mailbox.ready.withLock { ready in
            defer { ready.removeAll() }
            return ready
        }
        for (id, result) in ready { continuations.removeValue(forKey: id)?(result) }
    }

    /// At the end: waits at most `timeoutNs` for the jobs still running, delivering each.
    func settle(timeoutNs: UInt64) {
        let deadline = Clocks.monotonicNs() + timeoutNs
        deliver()
        while outstanding > 0 {
            let now = Clocks.monotonicNs()
            guard now < deadline else { return }
            _ = mailbox.signal.wait(timeoutMs: Int32(clamping: (deadline - now) / 1_000_000 + 1))
            deliver()
        }
    }
}
