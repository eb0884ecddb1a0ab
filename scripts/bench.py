#!/usr/bin/env python3
"""argus-trace beside its peers, measured in one run on one machine.

Exit-detection latency: a child stamps CLOCK_REALTIME just before exit(); for argus-trace we
take (a) the timestamp it stored, (b) the moment the row is visible to a reader of the database,
(c) the moment its console line arrives and (d) the moment argus-trace itself has exited; for
forkstat and exitsnoop, the moment their output line arrives. Idle cost: CPU time and peak RSS
of a tool watching an idle process at 1 s for N seconds, beside pidstat.

Absolute times on a shared VM are noise; the report gives ratios from the same run.
"""
import argparse
import datetime
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time


def now_ns():
    return time.time_ns()


class LineClock:
    """Reads a process's stdout in a thread and stamps every line with its arrival time."""

    def __init__(self, proc):
        self.lines = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            stamp = now_ns()
            with self.cond:
                self.lines.append((stamp, raw.decode(errors="replace")))
                self.cond.notify_all()

    def wait_for(self, predicate, timeout=10.0, start=0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for index in range(start, len(self.lines)):
                    if predicate(self.lines[index][1]):
                        return self.lines[index][0]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.cond.wait(remaining)


def cpu_ns(pid):
    """The whole process's CPU time: its CPU clock, clockid MAKE_PROCESS_CPUCLOCK(pid, SCHED)."""
    return time.clock_gettime_ns(((~pid) << 3) | 2)


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def start_testee(testee, *args):
    return subprocess.Popen([testee, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def release_and_stamp(child):
    child.stdin.write(b"go\n")
    child.stdin.flush()
    return int(child.stdout.readline())


def argus_exit_latency(tracer, testee, runs, workdir):
    rows = []
    for run in range(runs):
        db = os.path.join(workdir, f"exit-{run}.db")
        child = start_testee(testee, "gate", "stamp-exit", "0")
        proc = subprocess.Popen(
            [tracer, "--pid", str(child.pid), "--db", db, "--interval", "5"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        clock = LineClock(proc)
        if clock.wait_for(lambda line: "Process: " in line) is None:
            raise SystemExit("argus-trace did not attach")
        # The database exists once the first rows are written (monitoring_started).
        deadline = time.monotonic() + 5
        reader = None
        while reader is None and time.monotonic() < deadline:
            try:
                reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
                reader.execute("SELECT 1 FROM process_events LIMIT 1")
            except sqlite3.Error:
                reader = None
                time.sleep(0.005)
        exited = {}
        waiter = threading.Thread(target=lambda: (proc.wait(), exited.setdefault("at", now_ns())), daemon=True)
        waiter.start()
        stamp = release_and_stamp(child)
        stored = visible = None
        deadline = time.monotonic() + 5
        while visible is None and time.monotonic() < deadline:
            row = reader.execute(
                "SELECT timestamp_ns FROM process_events WHERE event_type='terminated'").fetchone()
            if row:
                visible, stored = now_ns(), row[0]
        line = clock.wait_for(lambda text: "Process terminated" in text)
        waiter.join(5)
        child.wait()
        reader.close()
        rows.append({
            "stored": stored - stamp, "visible": visible - stamp,
            "console": line - stamp, "tool_exited": exited["at"] - stamp,
        })
    return rows


def peer_exit_latency(command, testee, runs, matches, name):
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    clock = LineClock(proc)
    time.sleep(1.5)  # peers print nothing when ready; give them time to attach their probes
    if proc.poll() is not None:
        return None, proc.stderr.read().decode(errors="replace").strip().splitlines()[-1:]
    latencies = []
    for _ in range(runs):
        child = start_testee(testee, "gate", "stamp-exit", "0")
        seen = len(clock.lines)
        stamp = release_and_stamp(child)
        pid = str(child.pid)
        arrived = clock.wait_for(lambda line: matches(line, pid), timeout=5, start=seen)
        child.wait()
        if arrived is None:
            proc.kill()
            return None, [f"{name} printed no line for pid {pid}"]
        latencies.append(arrived - stamp)
    proc.terminate()
    proc.wait()
    return latencies, []


def idle_cost(command_for, testee, seconds):
    target = start_testee(testee, "sleep", str(seconds + 60))
    proc = subprocess.Popen(command_for(target.pid), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    result = {"cpu_ms": cpu_ns(proc.pid) / 1e6, "peak_rss_kb": peak_rss_kb(proc.pid)}
    proc.send_signal(2)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
    target.kill()
    target.wait()
    return result


def log_tail(tracer, testee, rate, lines, workdir):
    """argus-trace and tail -F follow one file while it is written at `rate` lines/s, renamed
    and re-created at 40 % and copy-truncated at 70 %. Each line carries the writer's clock."""
    path = os.path.join(workdir, f"tail-{rate}.log")
    db = os.path.join(workdir, f"tail-{rate}.db")
    open(path, "w").close()
    target = start_testee(testee, "sleep", "600")
    argus = subprocess.Popen([tracer, "--pid", str(target.pid), "--logfile", path, "--interval", "5", "--db", db],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    argus_clock = LineClock(argus)
    argus_clock.wait_for(lambda line: "Process: " in line)
    tail = subprocess.Popen(["tail", "-F", "-n", "0", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    tail_clock = LineClock(tail)
    time.sleep(0.5)  # tail -F prints nothing when ready

    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    start = time.monotonic()
    for seq in range(lines):
        if seq == int(lines * 0.4):
            os.close(fd)
            os.rename(path, path + ".1")
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if seq == int(lines * 0.7):
            shutil.copyfile(path, path + ".2")
            os.truncate(path, 0)
        os.write(fd, f"seq {seq} {now_ns()}\n".encode())
        ahead = start + (seq + 1) / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    os.close(fd)
    written_seconds = time.monotonic() - start
    time.sleep(1.5)  # let both catch up before counting

    def summarize(pairs):
        seqs = [seq for seq, _ in pairs]
        latencies = sorted(latency for _, latency in pairs)
        return {
            "captured": len(set(seqs)), "lost": lines - len(set(seqs)), "duplicates": len(seqs) - len(set(seqs)),
            "latency_median_ns": statistics.median(latencies) if latencies else None,
            "latency_p99_ns": latencies[int(len(latencies) * 0.99)] if latencies else None,
        }

    tail.terminate()
    tail.wait()
    tail_pairs = []
    for arrived, text in tail_clock.lines:
        parts = text.split()
        if len(parts) == 3 and parts[0] == "seq":
            tail_pairs.append((int(parts[1]), arrived - int(parts[2])))
    argus.send_signal(2)
    argus.wait()
    target.kill()
    target.wait()
    reader = sqlite3.connect(db)
    argus_pairs = []
    for line, captured in reader.execute("SELECT log_line, timestamp_ns FROM log_entries ORDER BY id"):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "seq":
            argus_pairs.append((int(parts[1]), captured - int(parts[2])))
    in_order = [seq for seq, _ in argus_pairs] == sorted(seq for seq, _ in argus_pairs)
    reader.close()
    return {"rate": rate, "lines": lines, "written_seconds": written_seconds,
            "argus-trace": dict(summarize(argus_pairs), in_order=in_order), "tail -F": summarize(tail_pairs)}


def storm_script(testee, per_forker):
    """Two forkers in parallel: one fork+exec, one fork-only; prints its own elapsed ns."""
    return (f"start=$(date +%s%N); {testee} storm {per_forker} exec & {testee} storm {per_forker} & wait; "
            f"echo storm_ns=$(( $(date +%s%N) - start )) >&2")


def storm_elapsed(stderr_text):
    for line in stderr_text.splitlines():
        if line.startswith("storm_ns="):
            return int(line.split("=")[1])
    return None


def storm(tracer, testee, per_forker, workdir):
    """Completeness under a storm: % of the storm's exits and execs each tool recorded, and the
    storm's rate with each tool attached (the same storm alone gives the baseline)."""
    children = 2 * per_forker
    expected = {"exits": children + 2, "execs": per_forker + 2}  # the two forkers exit and exec too
    script = storm_script(testee, per_forker)
    results = {}

    def run_storm():
        done = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True)
        return storm_elapsed(done.stderr)

    results["(no tracer)"] = {"storm_ns": run_storm()}

    db = os.path.join(workdir, "storm.db")
    done = subprocess.run([tracer, "run", "--quiet", "--db", db, "--", "/bin/sh", "-c", script],
                          capture_output=True, text=True)
    reader = sqlite3.connect(db)
    # The storm's processes are all argus-testee (the script's own `date`s are not).
    exits = reader.execute(
        "SELECT count(*) FROM processes WHERE exit_code IS NOT NULL AND comm = 'argus-testee'").fetchone()[0]
    execs = reader.execute(
        "SELECT count(*) FROM process_events WHERE event_type = 'exec' AND process_name = 'argus-testee'").fetchone()[0]
    overflows = reader.execute("SELECT event_overflows FROM sessions").fetchone()[0]
    reader.close()
    results["argus-trace"] = {"storm_ns": storm_elapsed(done.stderr), "exits": exits, "execs": execs,
                              "overflows": overflows}

    def peer(name, command, count, ready=lambda line: True, settle=1.0):
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        clock = LineClock(proc)
        if clock.wait_for(ready, timeout=30) is None or proc.poll() is not None:
            results[name] = {"error": "did not start: " + " ".join(text.strip() for _, text in clock.lines[-2:])}
            proc.kill()
            return
        time.sleep(settle)
        elapsed = run_storm()
        time.sleep(2)  # let it print what is still queued
        proc.send_signal(2)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        clock.thread.join(5)
        results[name] = dict(count([text for _, text in clock.lines]), storm_ns=elapsed)

    def forkstat_counts(lines):
        events = [line.split() for line in lines if "argus-testee" in line]
        return {"exits": sum(1 for fields in events if len(fields) > 1 and fields[1] == "exit"),
                "execs": sum(1 for fields in events if len(fields) > 1 and fields[1] == "exec")}

    peer("forkstat", ["forkstat", "-l", "-e", "exec,exit"], forkstat_counts)
    peer("exitsnoop", ["stdbuf", "-oL", "exitsnoop"], lambda lines: {
        "exits": sum(1 for l in lines if l.startswith("argus-testee"))})
    peer("execsnoop", ["stdbuf", "-oL", "execsnoop"], lambda lines: {
        "execs": sum(1 for l in lines if l.startswith("argus-testee"))})
    program = ('tracepoint:sched:sched_process_exit /comm == "argus-testee"/ { @exits = count(); } '
               'tracepoint:sched:sched_process_exec /comm == "argus-testee"/ { @execs = count(); }')

    def bpftrace_counts(lines):
        found = {}
        for line in lines:
            if line.startswith("@exits:") or line.startswith("@execs:"):
                found[line[1:6]] = int(line.split()[1])
        return found

    peer("bpftrace", ["bpftrace", "-e", program], bpftrace_counts, ready=lambda line: "Attaching" in line, settle=1.5)
    return {"children": children, "expected": expected, "results": results}


def overhead(tracer, testee, rounds, iterations, workdir):
    """Slowdown of a context-switch + page-fault + fork workload pinned to CPU 0 with each tool
    attached, in interleaved rounds (the workload alone, then with each tool). argus-trace runs
    with its defaults and with every counter on (--runq-histogram), watching the workload
    (--pid) and running it (run --)."""
    # argus-testee mixed-workload: 120,000 pipe round trips between two threads, 1,536 MB of
    # fresh pages in 8 MB chunks, 1,200 fork+exit (issue #12's workload), scaled to `iterations` %.
    workload_command = ["taskset", "-c", "0", testee, "gate", "mixed-workload", str(iterations)]

    def workload(attach=None, wrap=None):
        command = wrap(workload_command) if wrap else workload_command
        child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        detach = attach(child.pid) if attach else None
        child.stdin.write(b"go\n")
        child.stdin.flush()
        line = child.stdout.readline().decode()
        child.wait()
        if detach:
            detach()
        return int(line.split()[1])

    def with_argus(*extra):
        def attach(pid):
            db = os.path.join(workdir, "overhead.db")
            proc = subprocess.Popen([tracer, "--pid", str(pid), "--interval", "1", "--db", db, *extra],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            LineClock(proc).wait_for(lambda line: "Process: " in line)
            return lambda: proc.wait(10)
        return attach

    def argus_run(*extra):
        # --quiet: the workload's own line is the only stdout; the gate holds it until the
        # probes are loaded and it is spawned.
        db = os.path.join(workdir, "overhead-run.db")
        return lambda command: [tracer, "run", "--quiet", "--interval", "1", "--db", db, *extra, "--", *command]

    def with_peer(command, ready=lambda line: True, settle=0.5):
        def attach(pid):
            proc = subprocess.Popen([part.replace("PID", str(pid)) for part in command],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            LineClock(proc).wait_for(ready, timeout=30)
            time.sleep(settle)
            def detach():
                proc.send_signal(2)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            return detach
        return attach

    program = ("tracepoint:sched:sched_switch /pid == PID/ { @switches = count(); } "
               "tracepoint:exceptions:page_fault_user /pid == PID/ { @faults = count(); } "
               "tracepoint:sched:sched_process_exit /pid == PID/ { @exits = count(); }")
    # name: (attach, wrap)
    tools = {
        "argus-trace --pid (defaults)": (with_argus(), None),
        "argus-trace --pid --runq-histogram (every counter)": (with_argus("--runq-histogram"), None),
        "argus-trace --pid --no-bpf": (with_argus("--no-bpf"), None),
        "argus-trace run (defaults)": (None, argus_run()),
        "argus-trace run --runq-histogram (every counter)": (None, argus_run("--runq-histogram")),
        "forkstat": (with_peer(["forkstat", "-e", "fork,exec,exit"], settle=1.0), None),
        "exitsnoop": (with_peer(["stdbuf", "-oL", "exitsnoop"], settle=1.0), None),
        "bpftrace": (with_peer(["bpftrace", "-e", program], ready=lambda line: "Attaching" in line, settle=1.0), None),
        "pidstat": (with_peer(["pidstat", "-h", "-u", "-r", "-w", "-p", "PID", "1"], settle=0.5), None),
    }
    ratios = {name: [] for name in tools}
    workload()  # warm-up
    for _ in range(rounds):
        for name, (attach, wrap) in tools.items():
            alone = workload()
            ratios[name].append(workload(attach, wrap) / alone)

    def quartiles(values):
        ordered = sorted(values)
        return ordered[len(ordered) // 4], statistics.median(ordered), ordered[(3 * len(ordered)) // 4]

    return {name: dict(zip(("q1", "median", "q3"), quartiles(values)), ratios=values) for name, values in ratios.items()}


def median_interval(values, draws=4000, seed=12):
    """The 90 % bootstrap interval of the median of `values`: where the median of another run
    of as many rounds would likely fall. Seeded, so a report can be recomputed from its JSON."""
    rng = random.Random(seed)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(draws))
    return medians[int(0.05 * draws)], medians[int(0.95 * draws) - 1]


def overhead_lines(overhead_report, args, reference="exitsnoop"):
    """The overhead table: each tool's median slowdown with its spread and the bootstrap interval
    of that median, and its slowdown over `reference`'s round by round (below 1: cheaper)."""
    lines = [
        "",
        f"## Overhead: pipe ping-pong + fresh pages + fork workload ({args.workload} %) on CPU 0, "
        f"{args.rounds} interleaved rounds",
        "",
        "Slowdown = workload time with the tool attached / without it, in the same round (1.00 = none). "
        "The interval is the 90 % bootstrap interval of the median: two tools whose intervals overlap "
        f"are not told apart by this run. Over {reference}: this tool's slowdown / {reference}'s, "
        "round by round, median and interval.",
        "",
        f"| tool | median slowdown | IQR | median's 90 % interval | over {reference} (interval) |",
        "|---|---|---|---|---|",
    ]
    base = overhead_report.get(reference, {}).get("ratios")
    for name, result in overhead_report.items():
        low, high = median_interval(result["ratios"])
        versus = ""
        if base and name != reference:
            paired = [mine / theirs for mine, theirs in zip(result["ratios"], base)]
            paired_low, paired_high = median_interval(paired)
            versus = f"{statistics.median(paired):.3f} ({paired_low:.3f} - {paired_high:.3f})"
        lines.append(f"| {name} | {result['median']:.3f} | {result['q1']:.3f} - {result['q3']:.3f} | "
                     f"{low:.3f} - {high:.3f} | {versus} |")
    return lines


def ensure_tracefs():
    if os.path.exists("/sys/kernel/tracing/events"):
        return "already mounted"
    done = subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"], capture_output=True)
    return "mounted by the benchmark (exitsnoop needs it)" if done.returncode == 0 else "cannot mount"


def median(values):
    return statistics.median(values) if values else None


def ms(ns):
    return None if ns is None else ns / 1e6


def fmt(value, digits=3):
    return "n/a" if value is None else f"{value:.{digits}f}"


IDLE_DEFAULTS = "argus-trace (defaults: stalls on, BPF exit/exec probes)"
IDLE_NO_RING = "argus-trace --no-stalls"


def idle_rows(tracer, testee, seconds, workdir, rounds=3):
    """Every configuration watches with a database that an earlier run created, as a user's
    second and later runs do (the first run of each would otherwise pay the schema's creation,
    about 10 ms, in its start-up); one more row shows the defaults creating a new database.
    Each configuration runs `rounds` times, the rounds interleaved, and each row gives the median
    (a start-up costs 30 % more or less from one run to the next on a shared VM, the same for
    every phase of it)."""
    existing = os.path.join(workdir, "idle.db")
    subprocess.run([tracer, "run", "--quiet", "--db", existing, "--", "true"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def argus(*extra, db=existing):
        return lambda pid: [tracer, "--pid", str(pid), "--interval", "1", "--quiet", "--db", db, *extra]
    configurations = {
        IDLE_DEFAULTS: lambda index: argus(),
        "argus-trace (defaults, creating a new database)":
            lambda index: argus(db=os.path.join(workdir, f"idle-new-{index}.db")),
        "argus-trace --runq-histogram (every counter)": lambda index: argus("--runq-histogram"),
        IDLE_NO_RING: lambda index: argus("--no-stalls"),
        "argus-trace --no-stalls --no-bpf": lambda index: argus("--no-stalls", "--no-bpf"),
        "pidstat": lambda index: lambda pid: ["pidstat", "-h", "-u", "-r", "-p", str(pid), "1"],
    }
    runs = {name: [] for name in configurations}
    for index in range(max(rounds, 1)):
        for name, command_for in configurations.items():
            runs[name].append(idle_cost(command_for(index), testee, seconds))
    return {
        name: {"cpu_ms": median([run["cpu_ms"] for run in costs]),
               "peak_rss_kb": int(median([run["peak_rss_kb"] for run in costs])),
               "cpu_ms_runs": [run["cpu_ms"] for run in costs]}
        for name, costs in runs.items()
    }


def idle_cpu_text(cost):
    """A row's CPU: the median, and the lowest and highest run when there were several."""
    runs = cost.get("cpu_ms_runs", [])
    spread = f" ({min(runs):.1f}-{max(runs):.1f})" if len(runs) > 1 else ""
    return f"{cost['cpu_ms']:.2f}{spread}"


def cost_only(args, workdir, report):
    """The idle and overhead parts alone, as one report."""
    report["notes"].append(f"tracefs: {ensure_tracefs()}")
    report["idle"] = idle_rows(args.tracer, args.testee, args.idle_seconds, workdir, args.idle_rounds)
    report["overhead"] = overhead(args.tracer, args.testee, args.rounds, args.workload, workdir)
    pidstat = report["idle"]["pidstat"]
    lines = [
        f"# argus-trace cost, {report['when']} (kernel {report['kernel']})",
        "",
        f"Command: `scripts/bench --cost-only --idle-seconds {args.idle_seconds} --idle-rounds {args.idle_rounds} "
        f"--rounds {args.rounds} "
        f"--workload {args.workload}`",
        "",
        f"## Idle: watching an idle process at 1 s for {args.idle_seconds} s, median of {args.idle_rounds} "
        "interleaved runs (lowest-highest)",
        "",
        "CPU: the tool's process CPU clock (clock_gettime, ns resolution), start-up included; RSS: VmHWM.",
        "",
        "| tool | CPU ms | peak RSS KiB | CPU ratio to pidstat | RSS ratio to pidstat |",
        "|---|---|---|---|---|",
    ]
    for name, cost in report["idle"].items():
        lines.append(f"| {name} | {idle_cpu_text(cost)} | {cost['peak_rss_kb']} | "
                     f"{cost['cpu_ms'] / pidstat['cpu_ms']:.2f} | {cost['peak_rss_kb'] / pidstat['peak_rss_kb']:.2f} |")
    lines += overhead_lines(report["overhead"], args)
    if report["notes"]:
        lines += ["", "Notes: " + "; ".join(report["notes"])]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(args.out, f"cost-{stamp}.md"), "w") as out:
        out.write(text)
    with open(os.path.join(args.out, f"cost-{stamp}.json"), "w") as out:
        json.dump(report, out, indent=2)
    shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracer", required=True)
    parser.add_argument("--testee", required=True)
    parser.add_argument("--runs", type=int, default=30, help="exits per tool (default 30)")
    parser.add_argument("--idle-seconds", type=int, default=30, help="idle watch length (default 30)")
    parser.add_argument("--idle-rounds", type=int, default=3,
                        help="runs of each idle configuration, interleaved; rows give the median (default 3)")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds of the overhead test (default 9)")
    parser.add_argument("--workload", type=int, default=100,
                        help="size of the overhead workload in %% of issue #12's (default 100)")
    parser.add_argument("--storm", type=int, default=20_000, help="children in the storm (default 20000)")
    parser.add_argument("--slow-lines", type=int, default=1_000, help="lines written at 100/s (default 1000)")
    parser.add_argument("--fast-lines", type=int, default=50_000, help="lines written at 10,000/s (default 50000)")
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--cost-only", action="store_true",
                        help="only the cost parts: idle cost and overhead (issue #12)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("scripts/bench needs root (proc connector, BPF peers)")

    workdir = tempfile.mkdtemp(prefix="argus-bench-")
    report = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(), "runs": args.runs,
              "idle_seconds": args.idle_seconds, "kernel": os.uname().release, "notes": []}

    if args.cost_only:
        cost_only(args, workdir, report)
        return
    argus = argus_exit_latency(args.tracer, args.testee, args.runs, workdir)
    latency = {key: median([row[key] for row in argus]) for key in argus[0]}
    report["argus_exit_ns_median"] = latency
    report["argus_exit_ns_max"] = {key: max(row[key] for row in argus) for key in argus[0]}

    forkstat, notes = peer_exit_latency(
        ["forkstat", "-l", "-e", "exit"], args.testee, args.runs,
        lambda line, pid: " exit " in line and f" {pid} " in line, "forkstat")
    report["notes"] += notes
    report["notes"].append(f"tracefs: {ensure_tracefs()}")
    exitsnoop, notes = peer_exit_latency(
        ["stdbuf", "-oL", "exitsnoop"], args.testee, args.runs,
        lambda line, pid: f" {pid} " in line, "exitsnoop")
    report["notes"] += notes
    report["peer_exit_ns_median"] = {"forkstat": median(forkstat or []), "exitsnoop": median(exitsnoop or [])}

    report["idle"] = idle_rows(args.tracer, args.testee, args.idle_seconds, workdir, args.idle_rounds)
    argus_idle = report["idle"][IDLE_DEFAULTS]
    argus_idle_no_ring = report["idle"][IDLE_NO_RING]
    pidstat_idle = report["idle"]["pidstat"]

    report["overhead"] = overhead(args.tracer, args.testee, args.rounds, args.workload, workdir)

    report["storm"] = storm(args.tracer, args.testee, args.storm // 2, workdir)

    report["log_tail"] = [log_tail(args.tracer, args.testee, rate, lines, workdir)
                          for rate, lines in ((100, args.slow_lines), (10_000, args.fast_lines))]

    def ratio(a, b):
        return None if a is None or not b else a / b

    lines = [
        f"# argus-trace benchmark, {report['when']} (kernel {report['kernel']})",
        "",
        f"Command: `scripts/bench --runs {args.runs} --idle-seconds {args.idle_seconds} "
        f"--idle-rounds {args.idle_rounds} "
        f"--slow-lines {args.slow_lines} --fast-lines {args.fast_lines} --storm {args.storm} "
        f"--rounds {args.rounds} --workload {args.workload}`",
        "",
        f"## Exit-detection latency, median of {args.runs} exits (ms after the child's last clock read)",
        "",
        "| tool | what | median ms | max ms | ratio to argus-trace console line |",
        "|---|---|---|---|---|",
        f"| argus-trace | timestamp stored (kernel's exit stamp) | {fmt(ms(latency['stored']))} "
        f"| {fmt(ms(report['argus_exit_ns_max']['stored']))} | |",
        f"| argus-trace | row visible to a database reader | {fmt(ms(latency['visible']))} "
        f"| {fmt(ms(report['argus_exit_ns_max']['visible']))} | |",
        f"| argus-trace | console line arrives | {fmt(ms(latency['console']))} "
        f"| {fmt(ms(report['argus_exit_ns_max']['console']))} | 1.00 |",
        f"| argus-trace | argus-trace has exited | {fmt(ms(latency['tool_exited']))} "
        f"| {fmt(ms(report['argus_exit_ns_max']['tool_exited']))} | |",
    ]
    for name, values in (("forkstat", forkstat), ("exitsnoop", exitsnoop)):
        lines.append(
            f"| {name} | output line arrives | {fmt(ms(median(values or [])))} | "
            f"{fmt(ms(max(values)) if values else None)} | {fmt(ratio(median(values or []) if values else None, latency['console']), 2)} |")
    lines += [
        "",
        f"## Idle cost: watching an idle process at 1 s for {args.idle_seconds} s, median of "
        f"{args.idle_rounds} interleaved runs (lowest-highest)",
        "",
        "CPU: the tool's process CPU clock (clock_gettime, ns resolution), start-up included; RSS: VmHWM.",
        "",
        "| tool | CPU ms | peak RSS KiB | CPU ratio to pidstat | RSS ratio to pidstat |",
        "|---|---|---|---|---|",
    ]
    for name, cost in report["idle"].items():
        lines.append(
            f"| {name} | {idle_cpu_text(cost)} | {cost['peak_rss_kb']} | "
            f"{fmt(ratio(cost['cpu_ms'], pidstat_idle['cpu_ms']), 2)} | "
            f"{fmt(ratio(cost['peak_rss_kb'], pidstat_idle['peak_rss_kb']), 2)} |")
    lines += overhead_lines(report["overhead"], args)
    lines.append(
        f"\nargus-trace's own CPU per second while idle: {fmt(argus_idle['cpu_ms'] / args.idle_seconds, 2)} ms "
        f"with the stall ring, {fmt(argus_idle_no_ring['cpu_ms'] / args.idle_seconds, 2)} ms without "
        "(including its start-up, spread over the run).")

    storm_report = report["storm"]
    baseline = storm_report["results"]["(no tracer)"]["storm_ns"]
    lines += [
        "",
        f"## Storm: {storm_report['children']} children from 2 parallel forkers (one fork+exec, one fork-only)",
        "",
        f"Expected: {storm_report['expected']['exits']} exits, {storm_report['expected']['execs']} execs. "
        "bpftrace counts in the kernel and prints totals; the others print a line per event.",
        "",
        "| tool | exits recorded | execs recorded | storm time ratio to no tracer | notes |",
        "|---|---|---|---|---|",
    ]

    def percent(found, key):
        if found is None:
            return "n/a"
        return f"{found} ({100 * found / storm_report['expected'][key]:.1f} %)"

    for name, result in storm_report["results"].items():
        notes = result.get("error", "")
        if "overflows" in result:
            notes = f"{result['overflows']} netlink overflow(s)"
        lines.append(
            f"| {name} | {percent(result.get('exits'), 'exits')} | {percent(result.get('execs'), 'execs')} | "
            f"{fmt(ratio(result.get('storm_ns'), baseline), 2)} | {notes} |")
    lines += [
        "",
        "## Log tail: one file, renamed + re-created at 40 %, copy-truncated at 70 % "
        "(latency: writer's clock to argus-trace's captured timestamp / to tail -F's line arriving)",
        "",
        "| rate (lines/s) | tool | captured | lost | duplicates | median ms | p99 ms | median ratio to tail -F |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in report["log_tail"]:
        for name in ("argus-trace", "tail -F"):
            result = run[name]
            lines.append(
                f"| {run['rate']} | {name} | {result['captured']}/{run['lines']} | {result['lost']} | "
                f"{result['duplicates']} | {fmt(ms(result['latency_median_ns']))} | {fmt(ms(result['latency_p99_ns']))} | "
                f"{fmt(ratio(result['latency_median_ns'], run['tail -F']['latency_median_ns']), 2)} |")
    if report["notes"]:
        lines += ["", "Notes: " + "; ".join(report["notes"])]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(args.out, f"bench-{stamp}.md"), "w") as out:
        out.write(text)
    with open(os.path.join(args.out, f"bench-{stamp}.json"), "w") as out:
        json.dump(report, out, indent=2)
    shutil.rmtree(workdir, ignore_errors=True)
    if "mounted by the benchmark" in " ".join(report["notes"]):
        subprocess.run(["umount", "/sys/kernel/tracing"], capture_output=True)


if __name__ == "__main__":
    main()
