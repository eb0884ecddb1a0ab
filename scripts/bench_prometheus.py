"""The exporters' cost, for bench_scale.py (`scripts/bench --scale`).

- Idle: watching an idle process at 1 s for S seconds with no exporter, --metrics-listen on and
  not scraped, on and scraped every second (the scrapes' cost is argus-trace's), --otlp-endpoint
  and --server to a local receiver that answers 200 (Python's http.server on loopback; its own
  cost is not argus-trace's), beside pidstat.
- Scrape latency: GET /metrics of a 200-process tree (--follow-children), N scrapes one after
  another: median, p90, p99 and max, and the body's size.
"""

import http.server
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.request

from bench_scale import children, cpu_ns, group, peak_rss_kb, wait_until


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Receiver(http.server.BaseHTTPRequestHandler):
    """A collector or Argus server that takes every POST (HTTP/1.1, kept alive, no Nagle)."""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posts += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def receiver():
    """A local HTTP receiver on a free port, served from a thread until shutdown()."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.posts = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def scrape(port, timeout=10):
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as response:
        body = response.read()
    return time.perf_counter() - started, body


def idle_cost(command, seconds, port=None):
    """CPU and peak RSS of `command` (watching an idle process) over `seconds`; with `port`, a
    scraper GETs /metrics every second meanwhile."""
    target = subprocess.Popen(["sleep", str(seconds + 60)])
    proc = subprocess.Popen(command(target.pid), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    scrapes = []

    def scraper():
        while not stop.wait(1.0):
            try:
                scrapes.append(scrape(port)[0])
            except OSError:
                pass

    thread = None
    if port is not None:
        thread = threading.Thread(target=scraper)
        thread.start()
    time.sleep(seconds)
    result = {"cpu_ms": cpu_ns(proc.pid) / 1e6, "peak_rss_kb": peak_rss_kb(proc.pid), "scrapes": len(scrapes)}
    stop.set()
    if thread:
        thread.join()
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    target.kill()
    target.wait()
    return result


def posted(collector, measure):
    """`measure()`'s row, with the POSTs the receiver took meanwhile as its requests."""
    before = collector.posts
    row = measure()
    row["scrapes"] = collector.posts - before
    return row


def idle_rows(tracer, seconds, workdir):
    db = os.path.join(workdir, "prometheus-idle.db")

    def argus(*extra):
        return lambda pid: [tracer, "--pid", str(pid), "--interval", "1", "--quiet", "--db", db, *extra]

    port = free_port()
    scraped_port = free_port()
    collector = receiver()
    url = f"http://127.0.0.1:{collector.server_address[1]}"
    try:
        return {
            "argus-trace (no exporter)": idle_cost(argus(), seconds),
            "argus-trace --metrics-listen, not scraped": idle_cost(
                argus("--metrics-listen", f"127.0.0.1:{port}"), seconds),
            "argus-trace --metrics-listen, scraped every 1 s": idle_cost(
                argus("--metrics-listen", f"127.0.0.1:{scraped_port}"), seconds, port=scraped_port),
            "argus-trace --otlp-endpoint (collector answering)": posted(
                collector, lambda: idle_cost(argus("--otlp-endpoint", url), seconds)),
            "argus-trace --server (server answering)": posted(collector, lambda: idle_cost(argus("--server", url), seconds)),
            "pidstat": idle_cost(lambda pid: ["pidstat", "-h", "-u", "-r", "-p", str(pid), "1"], seconds),
        }
    finally:
        collector.shutdown()


def scrape_latency(tracer, workdir, members=200, scrapes=200, pid_label=False):
    """GET /metrics of a tree of `members` processes, `scrapes` times in a row (with
    --metrics-pid-label: a series per process)."""
    parent, pids = group(members - 1)
    port = free_port()
    proc = subprocess.Popen(
        [tracer, "--pid", str(parent.pid), "--follow-children", "--interval", "1", "--quiet",
         "--metrics-listen", f"127.0.0.1:{port}", "--db", os.path.join(workdir, "prometheus-tree.db")]
        + (["--metrics-pid-label"] if pid_label else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def sampled():
            try:
                body = scrape(port)[1].decode()
            except OSError:
                return False
            running = [line for line in body.splitlines() if line.startswith("argus_processes_running{")]
            return sum(float(line.split()[-1]) for line in running) == members and \
                body.count("argus_process_resident_memory_bytes{") >= 2
        ready = wait_until(sampled, 60)
        # argus-trace's own rate meanwhile (sampling the tree), to take out of the scrapes' CPU.
        quiet_started, quiet_cpu = time.monotonic(), cpu_ns(proc.pid)
        time.sleep(5)
        rate = (cpu_ns(proc.pid) - quiet_cpu) / (time.monotonic() - quiet_started)
        started, cpu_before = time.monotonic(), cpu_ns(proc.pid)
        latencies, size = [], 0
        for _ in range(scrapes):
            elapsed, body = scrape(port)
            latencies.append(elapsed * 1e3)
            size = len(body)
        spent = cpu_ns(proc.pid) - cpu_before - rate * (time.monotonic() - started)
        cpu_per_scrape = max(spent, 0) / 1e6 / scrapes
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        parent.kill()
        parent.wait()
    latencies.sort()
    return {"members": members, "pid_label": pid_label, "ready": ready, "scrapes": scrapes, "bytes": size,
            "median_ms": statistics.median(latencies), "p90_ms": latencies[int(0.9 * scrapes) - 1],
            "p99_ms": latencies[int(0.99 * scrapes) - 1], "max_ms": latencies[-1],
            "argus_cpu_ms_per_scrape": cpu_per_scrape}


def scrape_latencies(tracer, workdir):
    """The 200-process tree's scrape, without and with --metrics-pid-label."""
    return [scrape_latency(tracer, workdir), scrape_latency(tracer, workdir, pid_label=True)]


def report(idle, seconds, latencies):
    pidstat = idle["pidstat"]
    lines = ["", f"### Exporters: idle cost, watching an idle process at 1 s for {seconds} s", "",
             "| tool | CPU ms | peak RSS KiB | CPU ratio to pidstat | scrapes or POSTs |", "|---|---|---|---|---|"]
    for name, cost in idle.items():
        lines.append(f"| {name} | {cost['cpu_ms']:.1f} | {cost['peak_rss_kb']} | "
                     f"{cost['cpu_ms'] / pidstat['cpu_ms']:.2f} | {cost['scrapes']} |")
    lines += ["", f"### Scrape latency of /metrics, a tree of {latencies[0]['members']} processes "
              f"({latencies[0]['scrapes']} scrapes in a row, urllib on loopback)", "",
              "| labels | median ms | p90 ms | p99 ms | max ms | body bytes | "
              "argus-trace CPU ms per scrape (beyond sampling) |",
              "|---|---|---|---|---|---|---|"]
    for latency in latencies:
        labels = "app, name, pid (--metrics-pid-label)" if latency["pid_label"] else "app, name"
        lines.append(f"| {labels} | {latency['median_ms']:.2f} | {latency['p90_ms']:.2f} | "
                     f"{latency['p99_ms']:.2f} | {latency['max_ms']:.2f} | {latency['bytes']} | "
                     f"{latency['argus_cpu_ms_per_scrape']:.2f} |")
        if not latency["ready"]:
            lines.append("\n(the tree was not fully sampled before the scrapes began)")
    return "\n".join(lines) + "\n"
