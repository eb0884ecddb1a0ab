import ArgusCore
import ArgusKernel
import ArgusStore
import Glibc

/// `argus-trace --pid/--process`: attach to one process, sample it, and see its end the instant
/// it happens. One epoll loop on this thread owns every source; rows go to the writer thread.
public final class Watcher {
    private let options: WatchOptions
    private let console: Console
    private let startedAt: WallTime
    private let startedMonotonicNs: UInt64

    public init(options: WatchOptions) {
        self.options = options
        console = Console(verbosity: options.recording.verbosity)
        startedAt = WallTime(nanoseconds: Clocks.realtimeNs())
        startedMonotonicNs = Clocks.monotonicNs()
    }

    /// Runs to the end and returns argus-trace's exit status.
    public func run() -> Int32 {
        // Before any thread starts, so every thread inherits the mask and only signalfd sees them.
        let handled = [SIGINT, SIGTERM, SIGHUP]
        SignalChannel.block(handled)
        let signals: SignalChannel
        do {
            signals = try SignalChannel(signals: handled)
        } catch {
            console.error("cannot create a signalfd: \(error)")
            return ExitStatus.internalFailure
        }

        console.detail("Verbose mode enabled")
        console.detail("argus-trace version: \(ArgusVersion.current), kernel \(HostFacts.kernelRelease())")
        console.detail("Database path: \(options.recording.databasePath)")

        // Subscribe before looking for the target, so no event of it can fall in between.
        var connector: ProcConnector?
        do {
            connector = try ProcConnector(receiveBufferBytes: ProcConnectorSettings.receiveBufferBytes)
            console.detail("Proc connector: subscribed, receive buffer \(connector!.receiveBufferBytes >> 20) MiB")
        } catch {
            let why = HostFacts.isRoot ? "\(error)" : "\(error); older kernels allow it only with CAP_NET_ADMIN"
            console.warning(
                "proc connector unavailable (\(why)): the exit is seen through a pidfd and its status only "
                    + "while the process is an unreaped zombie")
        }

        let resolver = TargetResolver(console: console)
        let resolution: Resolution
        switch options.target {
        case .pid(let pid):
            resolution = resolver.byPID(pid)
        case .name(let name, let wait):
            if let found = resolver.byName(name) {
                resolution = .found(found)
            } else if !wait {
                resolution = .failed("no process named '\(name)' is running (use --wait to wait for one)")
            } else if let connector {
                resolution = resolver.waitForExec(of: name, connector: connector, signals: signals)
            } else {
                resolution = .failed("--wait needs the proc connector, which is unavailable")
            }
        }
        switch resolution {
        case .failed(let message):
            console.error(message)
            return ExitStatus.targetNotFound
        case .stopped(let signal):
            console.info("Stopped by \(SignalName.of(Int(signal))) while waiting")
            return ExitStatus.stoppedBySignal(signal)
        case .found(let target):
            return watch(target, connector: connector, signals: signals)
        }
    }

    private func watch(_ target: ResolvedTarget, connector: ProcConnector?, signals: SignalChannel) -> Int32 {
        let handle: ProcessHandle
        do {
            handle = try ProcessHandle(pid: target.pid)
        } catch {
            console.error("process \(target.pid) exited before it could be watched")
            return ExitStatus.targetNotFound
        }
        // The pidfd names whatever had this pid when it was opened: make sure that is the target.
        guard ProcessReader.stat(target.pid)?.startTicks == target.startTicks else {
            console.error("process \(target.pid) exited before it could be watched")
            return ExitStatus.targetNotFound
        }
        do {
            try connector?.keepOnly(tgid: target.pid)
        } catch {
            console.detail("Could not filter proc events in the kernel (\(error)); filtering in user space")
        }
        let session = SessionInfo(
            startedAt: startedAt, arguments: options.recording.arguments, version: ArgusVersion.current,
            kernel: HostFacts.kernelRelease(), bootID: HostFacts.bootID(), hostname: HostFacts.hostname(), mode: "watch")
        let watch: WatchSession
        do {
            watch = try WatchSession(
                target: target, options: options, session: session, console: console, handle: handle,
                connector: connector, signals: signals, startedMonotonicNs: startedMonotonicNs)
        } catch {
            console.error(error.message)
            return ExitStatus.targetNotFound
        }
        return watch.run()
    }

    static func format(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)).0" : "\(tenths)"
    }

    static func format(seconds ns: UInt64) -> String {
        ns % 1_000_000_000 == 0 ? String(ns / 1_000_000_000) : format(Double(ns) / 1e9)
    }
}
