#!/usr/bin/env python3
"""Scheduling accuracy of the synthetic probes (issue 7): 1,000 http probes at a 10 s interval
against a local target, on the release server with SQLite.

    python3 bench/probes.py [--write]    PROBES=1000 INTERVAL=10 SECONDS=70

Measures, over SECONDS after a warm-up of one interval:
  - the start delay of every run versus its schedule, from the server's own histogram
    `probe_schedule_delay_seconds` (observed when a run starts, after its concurrency permit):
    p50 / p99 / max bucket bounds;
  - the server's CPU (user + system ticks of its process from /proc) as a share of one core;
  - runs per second and failures (every probe should succeed).
The target is a second `csv-analyzer serve` answering GET /healthz; its own CPU is not counted.
Targets: p99 start delay <= 100 ms, server CPU <= 25% of one core. --write rewrites the probes
block of docs/benchmarks.md.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BINARY = os.path.join(ROOT, "target", "release", "csv-analyzer")
PROBES = int(os.environ.get("PROBES", "1000"))
INTERVAL = int(os.environ.get("INTERVAL", "10"))
SECONDS = int(os.environ.get("SECONDS", "70"))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, data_dir):
    proc = subprocess.Popen(
        [BINARY, "serve", "--addr", "127.0.0.1:0", "--data-dir", data_dir, *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    match = re.match(r"csv-analyzer listening on (http://\S+)", line)
    if not match:
        proc.kill()
        sys.exit(f"probes bench: the server did not start: {line!r}")
    return proc, match.group(1).rstrip("/")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def metrics(base):
    return urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()


def histogram(text, name):
    """(buckets [(le, cumulative count)], count) summed over label sets."""
    buckets = {}
    count = 0.0
    for line in text.splitlines():
        m = re.match(rf'{name}_bucket\{{.*le="([^"]+)".*\}} (\S+)', line)
        if m:
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets[le] = buckets.get(le, 0.0) + float(m.group(2))
        m = re.match(rf"{name}_count(?:\{{.*\}})? (\S+)", line)
        if m:
            count += float(m.group(1))
    return sorted(buckets.items()), count


def counter(text, name, labels=""):
    total = 0.0
    for line in text.splitlines():
        m = re.match(rf"{name}(\{{[^}}]*\}})? (\S+)", line)
        if m and labels in (m.group(1) or ""):
            total += float(m.group(2))
    return total


def quantile(before, after, q):
    """The upper bound of the bucket holding quantile q of the observations between two scrapes."""
    b = dict(before)
    diffs = [(le, c - b.get(le, 0.0)) for le, c in after]
    total = diffs[-1][1] if diffs else 0
    for le, c in diffs:
        if total and c >= q * total:
            return le
    return float("nan")


def main():
    write = "--write" in sys.argv
    if not os.path.exists(BINARY):
        sys.exit("probes bench: build the server first: cargo build --release -p server")
    with tempfile.TemporaryDirectory() as work:
        target_dir = os.path.join(work, "target")
        server_dir = os.path.join(work, "server")
        os.makedirs(target_dir)
        os.makedirs(server_dir)
        target, target_url = start([], target_dir)
        config = os.path.join(work, "bench.toml")
        with open(config, "w") as f:
            f.write("[synthetic]\nmax_concurrency = 64\n\n")
            for i in range(PROBES):
                f.write(f'[[probes]]\nname = "bench-{i:04}"\nkind = "http"\n'
                        f"interval_seconds = {INTERVAL}\ntimeout_ms = 5000\n"
                        f'[probes.http]\nurl = "{target_url}/healthz"\n\n')
        server, base = start(["--config", config], server_dir)
        try:
            time.sleep(INTERVAL + 2)  # every probe has had its first turn
            text0 = metrics(base)
            cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
            time.sleep(SECONDS)
            text1 = metrics(base)
            cpu1, t1 = cpu_seconds(server.pid), time.monotonic()
        finally:
            for proc in (server, target):
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
    h0, n0 = histogram(text0, "probe_schedule_delay_seconds")
    h1, n1 = histogram(text1, "probe_schedule_delay_seconds")
    runs = n1 - n0
    if runs <= 0:
        sys.exit("probes bench: no run was recorded in probe_schedule_delay_seconds")
    elapsed = t1 - t0
    cpu_share = (cpu1 - cpu0) / elapsed
    failed = sum(1 for line in text1.splitlines()
                 if line.startswith("probe_success{") and line.endswith(" 0"))
    result = {
        "probes": PROBES, "interval_s": INTERVAL, "window_s": round(elapsed, 1),
        "runs": int(runs), "runs_per_s": round(runs / elapsed, 1),
        "expected_runs_per_s": round(PROBES / INTERVAL, 1),
        "delay_p50_le_s": quantile(h0, h1, 0.5), "delay_p99_le_s": quantile(h0, h1, 0.99),
        "delay_max_le_s": quantile(h0, h1, 1.0),
        "cpu_share_of_one_core": round(cpu_share, 3), "probes_failing_at_end": failed,
    }
    for key, value in result.items():
        print(f"{key}: {value}")
    ms = lambda s: "∞" if s == float("inf") else f"{s * 1000:g} ms"
    p99_ok = result["delay_p99_le_s"] <= 0.1
    cpu_ok = cpu_share <= 0.25
    block = "\n".join([
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores "
        f"(load average {os.getloadavg()[0]:.1f} at the end), by `python3 bench/probes.py --write`: "
        f"{PROBES} http probes every {INTERVAL} s against GET /healthz of a second local server, "
        f"release build, SQLite, over {elapsed:.0f} s after a first full interval.",
        "",
        "| measure | value | target | result |",
        "| --- | --- | --- | --- |",
        f"| start delay versus schedule, p99 (histogram bucket bound) | ≤ {ms(result['delay_p99_le_s'])} "
        f"(p50 ≤ {ms(result['delay_p50_le_s'])}, max ≤ {ms(result['delay_max_le_s'])}) | ≤ 100 ms | "
        f"{'pass' if p99_ok else '**miss**'} |",
        f"| server CPU, user + system, share of one core | {cpu_share * 100:.1f}% | ≤ 25% | "
        f"{'pass' if cpu_ok else '**miss**'} |",
        f"| runs per second (expected {result['expected_runs_per_s']}) | {result['runs_per_s']} | | |",
        f"| probes failing at the end | {failed} | 0 | {'pass' if failed == 0 else '**miss**'} |",
    ])
    if write:
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        doc = open(path).read()
        start_marker, end_marker = "<!-- probes:start -->", "<!-- probes:end -->"
        new = f"{start_marker}\n{block}\n{end_marker}"
        if start_marker in doc:
            doc = re.sub(re.escape(start_marker) + ".*?" + re.escape(end_marker), lambda _: new, doc, flags=re.S)
        else:
            doc += f"\n## Synthetic probes: scheduling accuracy\n\n{new}\n"
        open(path, "w").write(doc)
        print("probes bench: rewrote the probes block of docs/benchmarks.md")


if __name__ == "__main__":
    main()
