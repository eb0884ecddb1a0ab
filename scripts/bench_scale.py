#!/usr/bin/env python3
"""argus-trace as what it watches grows, beside pidstat, in one run.

- Members: watching a group of N idle processes (N = 1, 50, 200) at 1 s for S seconds, with
  `--follow-children`, beside `pidstat -p PID,PID,...` at the same interval: CPU per interval
  and peak RSS, as ratios.
- Run memory: peak RSS of `argus-trace run` over a command that starts 2,000 short-lived
  processes, and one that starts 200,000: it should stay flat.
- Timeouts: from `run --timeout`'s deadline to argus-trace's exit, for trees of 10 and 200.
- Run idle: `run` with stall detection over a quiet tree, beside pidstat on the same pids.
- Exporters (bench_prometheus.py): idle cost with no exporter, --metrics-listen on (not scraped,
  and scraped every second), --otlp-endpoint and --server (to a local receiver), beside pidstat;
  scrape latency of /metrics for a 200-process tree.

CPU comes from each process's CPU clock (ns), not /proc's 10 ms ticks. Absolute numbers on a
shared VM are noise: read the ratios.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time


def cpu_ns(pid):
    """The whole process's CPU time: its CPU clock, clockid MAKE_PROCESS_CPUCLOCK(pid, SCHED)."""
    return time.clock_gettime_ns(((~pid) << 3) | 2)


def peak_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as text:
            return [int(word) for word in text.read().split()]
    except OSError:
        return []


def group(n):
    """A shell with N sleeping children (or, for N = 0, one sleeping process): the group to watch."""
    if n == 0:
        alone = subprocess.Popen(["sleep", "100000"])
        return alone, []
    parent = subprocess.Popen(["/bin/sh", "-c", f"for i in $(seq {n}); do sleep 100000 & done; wait"])
    if not wait_until(lambda: len(children(parent.pid)) == n, 30):
        raise RuntimeError(f"the group of {n} did not start")
    return parent, children(parent.pid)


def measure(command, seconds):
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    result = {"cpu_ms": cpu_ns(proc.pid) / 1e6, "peak_rss_kb": peak_rss_kb(proc.pid)}
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return result


def members(tracer, sizes, seconds, workdir):
    # Every row watches with a database an earlier run created (a user's usual case); otherwise
    # the first row of each size would pay the schema's creation (about 12 ms) alone.
    db = os.path.join(workdir, "group.db")
    subprocess.run([tracer, "run", "--quiet", "--db", db, "--", "true"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    for n in sizes:
        parent, pids = group(n)
        try:
            argus = measure(
                [tracer, "--pid", str(parent.pid), "--follow-children", "--interval", "1", "--db", db, "--quiet"],
                seconds)
            argus_stalls_off = measure(
                [tracer, "--pid", str(parent.pid), "--follow-children", "--interval", "1", "--no-stalls",
                 "--db", db, "--quiet"], seconds)
            # pidstat watches the same members (the parent and its children) at the same interval.
            pidstat = measure(["pidstat", "-h", "-r", "-u", "-p", ",".join(map(str, [parent.pid] + pids)), "1"],
                              seconds)
        finally:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            parent.kill()
            parent.wait()
        rows.append({"members": n + 1, "argus": argus, "argus_no_stalls": argus_stalls_off, "pidstat": pidstat,
                     "intervals": seconds})
    return rows


def run_memory(tracer, testee, counts, workdir):
    """Peak RSS of `argus-trace run` over `testee storm N` (N children forked and reaped)."""
    rows = []
    for count in counts:
        db = os.path.join(workdir, f"run-{count}.db")
        proc = subprocess.Popen([tracer, "run", "--no-stalls", "--quiet", "--db", db, "--", testee, "storm", str(count)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        started = time.monotonic()
        while proc.poll() is None:
            value = peak_rss_kb(proc.pid)
            if value:
                peak = max(peak, value)
            time.sleep(0.05)
        rows.append({"processes": count, "peak_rss_kb": peak, "seconds": time.monotonic() - started,
                     "status": proc.returncode})
    return rows


def timeouts(tracer, sizes, workdir):
    """`run --timeout 2` over a tree of N processes that never ends: the time from the deadline
    to argus-trace's exit (capture of every process, then the signals, then the ends)."""
    rows = []
    for n in sizes:
        db = os.path.join(workdir, f"timeout-{n}.db")
        script = f"for i in $(seq {n - 1}); do sleep 100000 & done; wait"
        started = time.monotonic()
        proc = subprocess.run([tracer, "run", "--timeout", "2", "--db", db, "--", "/bin/sh", "-c", script],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.monotonic() - started
        rows.append({"processes": n, "seconds_after_deadline": elapsed - 2.0, "status": proc.returncode})
    return rows


def run_idle(tracer, seconds, workdir, n=10):
    """`run` with stall detection on over a quiet tree of N processes, beside pidstat on the same
    pids: CPU over the same seconds and peak RSS."""
    db = os.path.join(workdir, "run-idle.db")
    script = f"for i in $(seq {n - 1}); do sleep 100000 & done; wait"
    proc = subprocess.Popen([tracer, "run", "--interval", "1", "--quiet", "--db", db, "--", "/bin/sh", "-c", script],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: any(len(children(child)) == n - 1 for child in children(proc.pid)), 30)
    shell = children(proc.pid)[0]
    pids = [shell] + children(shell)
    pidstat = subprocess.Popen(["pidstat", "-h", "-r", "-u", "-p", ",".join(map(str, pids)), "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = cpu_ns(proc.pid)
    time.sleep(seconds)
    argus = {"cpu_ms": (cpu_ns(proc.pid) - before) / 1e6, "peak_rss_kb": peak_rss_kb(proc.pid)}
    peer = {"cpu_ms": cpu_ns(pidstat.pid) / 1e6, "peak_rss_kb": peak_rss_kb(pidstat.pid)}
    pidstat.send_signal(signal.SIGINT)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(30)
    pidstat.wait(10)
    return {"processes": n, "seconds": seconds, "argus": argus, "pidstat": peer}


def report(groups, memory, timeout_rows, idle):
    lines = ["## Scale: members and run memory (scripts/bench_scale.py)", "",
             "### Watching N members at 1 s (CPU per interval, peak RSS), beside pidstat -p on the same pids", "",
             "| members | argus-trace ms/interval | --no-stalls ms/interval | pidstat ms/interval | ratio | "
             "ratio --no-stalls | argus RSS KiB | pidstat RSS KiB |",
             "|---|---|---|---|---|---|---|---|"]
    for row in groups:
        n = row["intervals"]
        a, q, p = row["argus"]["cpu_ms"] / n, row["argus_no_stalls"]["cpu_ms"] / n, row["pidstat"]["cpu_ms"] / n
        lines.append(f"| {row['members']} | {a:.3f} | {q:.3f} | {p:.3f} | {a / p:.2f} | {q / p:.2f} | "
                     f"{row['argus']['peak_rss_kb']} | {row['pidstat']['peak_rss_kb']} |")
    lines += ["", "### Peak RSS of `run` over N short-lived processes", "",
              "| processes | peak RSS KiB | seconds | ratio to the first |", "|---|---|---|---|"]
    for row in memory:
        lines.append(f"| {row['processes']} | {row['peak_rss_kb']} | {row['seconds']:.1f} | "
                     f"{row['peak_rss_kb'] / memory[0]['peak_rss_kb']:.2f} |")
    lines += ["", "### run --timeout: from the deadline to argus-trace's exit (capture, signals, ends)", "",
              "| processes | seconds after the deadline | status |", "|---|---|---|"]
    for row in timeout_rows:
        lines.append(f"| {row['processes']} | {row['seconds_after_deadline']:.2f} | {row['status']} |")
    a, p = idle["argus"], idle["pidstat"]
    lines += ["", f"### run over a quiet tree of {idle['processes']} processes for {idle['seconds']} s, stalls on, "
              "beside pidstat on the same pids", "",
              "| tool | CPU ms | peak RSS KiB | CPU ratio to pidstat |", "|---|---|---|---|",
              f"| argus-trace run | {a['cpu_ms']:.1f} | {a['peak_rss_kb']} | {a['cpu_ms'] / p['cpu_ms']:.2f} |",
              f"| pidstat | {p['cpu_ms']:.1f} | {p['peak_rss_kb']} | 1.00 |"]
    return "\n".join(lines) + "\n"


def main():
    import bench_prometheus  # here: it imports this module's helpers

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracer", required=True)
    parser.add_argument("--testee", required=True)
    parser.add_argument("--members", default="1,50,200", help="group sizes beside the parent (default 1,50,200)")
    parser.add_argument("--seconds", type=int, default=20, help="intervals per group measurement (default 20)")
    parser.add_argument("--run-counts", default="2000,200000", help="processes for the run memory rows")
    parser.add_argument("--timeout-trees", default="10,200", help="tree sizes for the --timeout rows")
    parser.add_argument("--out", default="bench-results")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        # n children + their parent: the first row is one member (the parent alone has 0).
        sizes = [max(int(n) - 1, 0) for n in args.members.split(",")]
        groups = members(args.tracer, sizes, args.seconds, workdir)
        memory = run_memory(args.tracer, args.testee, [int(n) for n in args.run_counts.split(",")], workdir)
        timeout_rows = timeouts(args.tracer, [int(n) for n in args.timeout_trees.split(",")], workdir)
        idle = run_idle(args.tracer, args.seconds, workdir)
        prometheus_idle = bench_prometheus.idle_rows(args.tracer, args.seconds, workdir)
        prometheus_latency = bench_prometheus.scrape_latencies(args.tracer, workdir)
    text = report(groups, memory, timeout_rows, idle)
    text += bench_prometheus.report(prometheus_idle, args.seconds, prometheus_latency)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(args.out, f"scale-{stamp}.md"), "w") as out:
        out.write(text)
    with open(os.path.join(args.out, f"scale-{stamp}.json"), "w") as out:
        json.dump({"members": groups, "run_memory": memory, "timeouts": timeout_rows, "run_idle": idle,
                   "prometheus_idle": prometheus_idle, "prometheus_scrape": prometheus_latency}, out, indent=1)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
