import ArgusCore
import ArgusKernel
import Foundation
import Synchronization
import Testing

@testable import ArgusRuntime

/// Proc connector events written by the test instead of the kernel: the session reads them
/// through the same loop, on an eventfd that polls readable while events wait.
final class ScriptedEvents: ProcEventSource, @unchecked Sendable {
    // @unchecked: the queue is behind a Mutex, and the counter's descriptor is fixed at init.
    private let queue = Mutex<(events: [ProcEvent], overflow: Bool)>(([], false))
    private let signal: EventCounter
    private let delivered = Mutex((events: 0, overflows: 0))

    init() throws {
        signal = try EventCounter()
    }

    var descriptor: Int32 { signal.descriptor.rawValue }
    var eventsReceived: Int { delivered.withLock { $0.events } }
    var overflows: Int { delivered.withLock { $0.overflows } }

    /// Queues events (and, when `overflow`, the kernel's word that some were dropped).
    func push(_ events: [ProcEvent], overflow: Bool = false) {
        queue.withLock {
            $0.events += events
            $0.overflow = $0.overflow || overflow
        }
        signal.raise()
    }

    func drain(_ handle: (ProcEvent) -> Void) throws(Errno) -> Bool {
        signal.acknowledge()
        let (events, overflow) = queue.withLock { queue in
            defer { queue = ([], false) }
            return queue
        }
        delivered.withLock {
            $0.events += events.count
            $0.overflows += overflow ? 1 : 0
        }
        events.forEach(handle)
        return overflow
    }

    func keepOnly(tgid: Int32) throws(Errno) {}
}

/// A sink that keeps what the session submitted, for the test to read from its own thread.
final class MemorySink: RecordSink, @unchecked Sendable {
    // @unchecked: every access goes through the Mutex.
    private let stored = Mutex<[Record]>([])

    func submit(_ records: [Record], urgent: Bool) {
        stored.withLock { $0 += records }
    }

    var records: [Record] { stored.withLock { $0 } }

    var events: [ProcessEventRecord] {
        records.compactMap { if case .event(let event) = $0 { return event } else { return nil } }
    }

    func events(_ type: ProcessEventType) -> [ProcessEventRecord] { events.filter { $0.type == type } }
}

/// A session run on its own thread, as `argus-trace` runs it on the main one.
final class RunningSession: @unchecked Sendable {
    // @unchecked: `status` is behind a Mutex; the session itself is touched only by its thread.
    private let status = Mutex<Int32?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ session: Session) {
        nonisolated(unsafe) let session = session
        Thread.detachNewThread { [self] in
            let result = session.run()
            status.withLock { $0 = result }
            done.signal()
        }
    }

    /// The exit status, or nil if the session did not end within `seconds`.
    func exitStatus(within seconds: Double = 10) -> Int32? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return status.withLock { $0 }
    }
}

/// Polls `condition` every 5 ms until it holds or `seconds` pass.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// A real child of the test process (`sleep 60` under the name given as argv[0]); the test
/// ends it and reaps it.
final class SleepingChild {
    let pid: Int32

    init(named name: String = "sleep") throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(name), strdup("60"), nil]
        defer { argv.forEach { free($0) } }
        // No signal blocked in the child, whatever the spawning thread blocks (a session blocks
        // INT, TERM and HUP on the thread that runs it).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let code = posix_spawn(&pid, "/bin/sleep", nil, &attributes, argv, environ)
        guard code == 0 else { throw POSIXError(.init(rawValue: code) ?? .EINVAL) }
        self.pid = pid
        // posix_spawn returns once the exec has dropped the parent's memory, before the kernel
        // has set the new argv: until then /proc/PID/cmdline is empty or the parent's, and a
        // test that pushes the exec event would have the session read the wrong name.
        _ = eventually { ProcessReader.commandLine(pid).argv?.first == name }
    }

    func kill(_ signal: Int32) { _ = Glibc.kill(pid, signal) }

    /// waitpid for this child (once the session is done with its zombie).
    func reap() {
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}

let quietSettings = RecordingSettings(
    intervalNs: 10_000_000_000, logfiles: [], appName: nil, databasePath: "/nonexistent/argus.db",
    verbosity: .quiet, useBPF: false, arguments: ["test"])

var noStalls: StallSettings {
    var settings = StallSettings()
    settings.enabled = false
    return settings
}
