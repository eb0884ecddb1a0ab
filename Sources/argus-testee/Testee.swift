import CArgusTestee
import Glibc

// A process with known behaviour, for the end-to-end tests and the benchmark.
//
//   argus-testee [gate] ACTION [ARGS]
//
// `gate` (may repeat) reads one line from stdin before going on, so a test decides when each
// step happens instead of sleeping. Actions:
//   exit CODE            exit with CODE
//   kill SIGNAL          raise SIGNAL (default action: the process dies by it)
//   sleep SECONDS        sleep, then exit 0
//   spin SECONDS         burn one CPU for SECONDS, then exit 0
//   threads N CODE       start N threads that exit, wait for them, read a gate line, exit CODE
//   leader-exit CODE     the main thread calls pthread_exit; a second thread reads a gate line,
//                        then calls exit(CODE) (CODE "none": it calls pthread_exit too)
//   stamp-exit CODE      print CLOCK_REALTIME ns, then exit with CODE at once
//   touch PAGES          touch PAGES fresh pages, read a gate line, exit 0
//   naps N               sleep 1 ms N times, print "napped", read a gate line, exit 0
//   workload N           N rounds of: fork a child that touches 16 fresh pages and exits, wait
//                        for it, sleep 20 µs; prints "elapsed_ns NS" (its own time) and exits 0
//   mixed-workload PERCENT  PERCENT % of: 120,000 pipe round trips with a second thread, 1,536 MB
//                        of fresh pages in 8 MB chunks, 1,200 fork+exit; prints "elapsed_ns NS"
//   vfork-hold SECONDS   start a child with CLONE_VFORK (own memory) that sleeps SECONDS: this
//                        process waits in D state meanwhile; then exit 0
//   storm N [exec]       start N children one after another, each ending at once with status
//                        i % 4 (with `exec`: by exec'ing `argus-testee exit STATUS`), reap them,
//                        exit 0

/// The pipes of `pipeRoundTrips`: [0] main -> echo thread, [1] echo thread -> main.
nonisolated(unsafe) private var echoPipes: [Int32] = [-1, -1, -1, -1]

/// `count` one-byte round trips with a second thread of this process over two pipes: two
/// context switches each when both share a CPU.
func pipeRoundTrips(_ count: Int) {
    var there: [Int32] = [0, 0]
    var back: [Int32] = [0, 0]
    guard pipe(&there) == 0, pipe(&back) == 0 else { return }
    echoPipes = [there[0], there[1], back[0], back[1]]
    var thread = pthread_t()
    let echo: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
        var byte: UInt8 = 0
        while read(echoPipes[0], &byte, 1) == 1 && byte != 0 { _ = write(echoPipes[3], &byte, 1) }
        return nil
    }
    guard pthread_create(&thread, nil, echo, nil) == 0 else { return }
    var byte: UInt8 = 1
    for _ in 0..<count {
        _ = write(there[1], &byte, 1)
        _ = read(back[0], &byte, 1)
    }
    byte = 0
    _ = write(there[1], &byte, 1)
    pthread_join(thread, nil)
    for fd in there + back { close(fd) }
}

/// Maps, touches every page of, and unmaps `chunks` chunks of `megabytes` MB.
func touchChunks(_ chunks: Int, megabytes: Int) {
    let size = megabytes * 1024 * 1024
    let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    for _ in 0..<chunks {
        guard let memory = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            memory != MAP_FAILED
        else { return }
        for page in stride(from: 0, to: size, by: pageSize) {
            memory.storeBytes(of: 1, toByteOffset: page, as: UInt8.self)
        }
        munmap(memory, size)
    }
}

@inline(never)
func gate() {
    var byte: UInt8 = 0
    while read(0, &byte, 1) == 1 && byte != UInt8(ascii: "\n") {}
}

func say(_ text: String) {
    let line = text + "\n"
    _ = line.withCString { write(1, $0, strlen($0)) }
}

func realtimeNs() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

func spin(seconds: Double) {
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    var now = timespec()
    repeat {
        clock_gettime(CLOCK_MONOTONIC, &now)
    } while Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) / 1e9 < seconds
}

func startThread(_ body: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?, argument: Int)
    -> pthread_t
{
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, body, UnsafeMutableRawPointer(bitPattern: argument))
    precondition(rc == 0, "pthread_create failed: \(rc)")
    return thread
}

var arguments = Array(CommandLine.arguments.dropFirst())
while arguments.first == "gate" {
    arguments.removeFirst()
    gate()
}
guard let action = arguments.first else {
    say("usage: argus-testee [gate] ACTION [ARGS]")
    exit(64)
}
let values = arguments.dropFirst()
func number(_ index: Int, default value: Int = 0) -> Int { Int(values.dropFirst(index).first ?? "") ?? value }
func real(_ index: Int, default value: Double) -> Double { Double(values.dropFirst(index).first ?? "") ?? value }

switch action {
case "exit":
    exit(Int32(number(0)))
case "kill":
    let fatal = Int32(number(0, default: 15))
    // A parent may have left the signal blocked or ignored: undo both so it is fatal.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, fatal)
    sigprocmask(SIG_UNBLOCK, &set, nil)
    signal(fatal, SIG_DFL)
    raise(fatal)
    exit(99)  // not reached for a fatal signal
case "sleep":
    usleep(UInt32(real(0, default: 1) * 1e6))
    exit(0)
case "spin":
    spin(seconds: real(0, default: 1))
    exit(0)
case "vfork-hold":
    exit(argus_testee_vfork_hold(real(0, default: 2)) == 0 ? 0 : 1)
case "threads":
    let count = number(0, default: 4)
    let threads = (0..<count).map { index in
        startThread(
            { argument in
                usleep(UInt32(1_000 * (Int(bitPattern: argument) + 1)))
                return nil
            }, argument: index)
    }
    for thread in threads { pthread_join(thread, nil) }
    say("threads-done")
    gate()
    exit(Int32(number(1)))
case "leader-exit":
    let final = values.first == "none" ? -1 : number(0)
    _ = startThread(
        { argument in
            gate()
            let code = Int(bitPattern: argument)
            if code < 0 { pthread_exit(nil) }
            exit(Int32(code))
        }, argument: final)
    say("leader-exiting")
    pthread_exit(nil)
case "stamp-exit":
    say("\(realtimeNs())")
    exit(Int32(number(0)))
case "touch":
    let pages = number(0, default: 1)
    let size = pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    let memory = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
    for page in 0..<pages {
        memory.storeBytes(of: 1, toByteOffset: page * Int(sysconf(Int32(_SC_PAGESIZE))), as: UInt8.self)
    }
    say("touched")
    gate()
    exit(0)
case "napping-threads":
    // N threads that nap 1 ms at a time for as long as the process lives.
    for index in 0..<number(0, default: 4) {
        _ = startThread(
            { _ in
                while true { usleep(1_000) }
            }, argument: index)
    }
    say("napping")
    gate()
    exit(0)
case "naps":
    for _ in 0..<number(0, default: 10) { usleep(1_000) }
    say("napped")
    gate()
    exit(0)
case "workload":
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    for _ in 0..<number(0, default: 1000) {
        let pid = fork()
        if pid == 0 {
            let memory = mmap(nil, 16 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
            for page in 0..<16 { memory.storeBytes(of: 1, toByteOffset: page * pageSize, as: UInt8.self) }
            _exit(0)
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        usleep(20)
    }
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    say("elapsed_ns \((end.tv_sec - start.tv_sec) * 1_000_000_000 + (end.tv_nsec - start.tv_nsec))")
    exit(0)
case "mixed-workload":
    let percent = number(0, default: 100)
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    pipeRoundTrips(120_000 * percent / 100)
    touchChunks(192 * percent / 100, megabytes: 8)
    for _ in 0..<(1_200 * percent / 100) {
        let pid = fork()
        if pid == 0 { _exit(0) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    say("elapsed_ns \((end.tv_sec - start.tv_sec) * 1_000_000_000 + (end.tv_nsec - start.tv_nsec))")
    exit(0)
case "storm":
    let count = number(0, default: 100)
    let execs = values.dropFirst().first == "exec"
    let me = CommandLine.arguments[0]
    for index in 0..<count {
        var pid: pid_t = 0
        if execs {
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup(me), strdup("exit"), strdup("\(index % 4)"), nil]
            let code = posix_spawn(&pid, me, nil, nil, argv, environ)
            argv.forEach { free($0) }
            precondition(code == 0, "posix_spawn failed: \(code)")
        } else {
            pid = fork()
            if pid == 0 { _exit(Int32(index % 4)) }
            precondition(pid > 0, "fork failed")
        }
    }
    var status: Int32 = 0
    while wait(&status) > 0 {}
    exit(0)
default:
    say("unknown action: \(action)")
    exit(64)
}
