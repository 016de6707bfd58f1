#!/usr/bin/env python3
"""Time from a threshold crossing to the webhook receiver (issue 8), on the release server.

    python3 bench/alerting.py [--write]      TRIALS=5 EVAL=15

Each trial starts a fresh `csv-analyzer serve` (SQLite in a temporary directory) with:
  - a concurrency limit of 2, so that a burst of 240 concurrent requests overflows it and the
    server itself answers 503s: a real fault, no test route;
  - the metric sampler every second, the rules evaluated every EVAL seconds;
  - HighErrorRate (5xx > 2% over its window, at least 20 requests) routed to a webhook channel
    pointing at a receiver in this script, with group_wait 0.
After a random wait (0 to EVAL seconds, so the burst falls anywhere in the evaluation cycle) it
sends the burst and measures from the moment the burst ended (the crossing is in the stored
series from then on, at the next sample) to the moment the receiver gets the firing
notification. Target: at most one evaluation interval + 1 s. --write rewrites the alerting
block of docs/benchmarks.md.
"""

import http.server
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BINARY = os.path.join(ROOT, "target", "release", "csv-analyzer")
TRIALS = int(os.environ.get("TRIALS", "5"))
EVAL = int(os.environ.get("EVAL", "15"))
BURST = 240


class Receiver(http.server.BaseHTTPRequestHandler):
    arrivals = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        at = time.monotonic()
        message = json.loads(body or b"{}")
        Receiver.arrivals.append((at, message))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def start_receiver():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def start_server(config_path, data_dir):
    proc = subprocess.Popen(
        [BINARY, "serve", "--addr", "127.0.0.1:0", "--data-dir", data_dir, "--config", config_path],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    match = re.match(r"csv-analyzer listening on (http://\S+)", line)
    if not match:
        proc.kill()
        sys.exit(f"alerting bench: the server did not start: {line!r}")
    return proc, match.group(1).rstrip("/")


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def trial(hook, dist):
    Receiver.arrivals.clear()
    with tempfile.TemporaryDirectory() as data:
        config = os.path.join(data, "bench.toml")
        with open(config, "w") as f:
            f.write(f"""
dist_dir = "{dist}"
[limits]
concurrency = 2
[metrics]
sample_interval_seconds = 1
[synthetic]
enabled = false
[alerting]
evaluation_interval_seconds = {EVAL}
group_wait_seconds = 0
[[alerting.channels]]
name = "bench"
kind = "webhook"
[alerting.channels.webhook]
url = "{hook}"
[[alerting.routes]]
channel = "bench"
matchers = ['alertname="HighErrorRate"']
""")
        proc, base = start_server(config, data)
        try:
            time.sleep(random.uniform(0, EVAL))
            with ThreadPoolExecutor(max_workers=64) as pool:
                statuses = list(pool.map(lambda _: get(f"{base}/api/rum/summary"), range(BURST)))
            ended = time.monotonic()
            errors = sum(1 for s in statuses if s >= 500)
            deadline = ended + 3 * EVAL + 5
            while time.monotonic() < deadline:
                firing = [(at, m) for at, m in Receiver.arrivals if m.get("status") == "firing"]
                if firing:
                    return firing[0][0] - ended, errors, len(statuses)
                time.sleep(0.05)
            return None, errors, len(statuses)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main():
    if not os.path.exists(BINARY):
        sys.exit(f"alerting bench: build the server first: cargo build --release -p server ({BINARY})")
    receiver, hook = start_receiver()
    with tempfile.TemporaryDirectory() as dist:
        with open(os.path.join(dist, "index.html"), "w") as f:
            f.write("<!doctype html><title>bench</title>")
        results = [trial(hook, dist) for _ in range(TRIALS)]
    receiver.shutdown()
    latencies = [r[0] for r in results if r[0] is not None]
    missed = sum(1 for r in results if r[0] is None)
    load = os.getloadavg()[0]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    target = EVAL + 1
    worst = max(latencies) if latencies else float("nan")
    lines = [
        f"Measured {now} on {os.cpu_count()} cores (load average {load:.1f} at the end), by "
        f"`python3 bench/alerting.py --write`: {TRIALS} trials, each a fresh release server "
        f"(SQLite) whose concurrency limit of 2 a burst of {BURST} concurrent requests overflows "
        f"(the server's own 503s), rules evaluated every {EVAL} s, metrics sampled every 1 s, "
        f"HighErrorRate routed to a local webhook receiver with group_wait 0; the burst starts "
        f"at a random point of the evaluation cycle.",
        "",
        "| measure | value | target | verdict |",
        "|---|---|---|---|",
        f"| 5xx in each burst | {', '.join(str(r[1]) for r in results)} of {BURST} | | |",
        f"| burst end → webhook, each trial | {', '.join(f'{l:.2f} s' for l in latencies)} | | |",
        f"| burst end → webhook, worst | {worst:.2f} s | ≤ {target} s (one interval + 1 s) | "
        f"{'pass' if latencies and worst <= target and not missed else 'MISS'} |",
        f"| trials without a notification | {missed} | 0 | {'pass' if missed == 0 else 'MISS'} |",
    ]
    block = "\n".join(lines)
    print(block)
    if "--write" in sys.argv:
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        text = open(path).read()
        start, end = "<!-- alerting:start -->", "<!-- alerting:end -->"
        if start in text:
            before, rest = text.split(start, 1)
            after = rest.split(end, 1)[1]
            text = f"{before}{start}\n{block}\n{end}{after}"
        else:
            text += f"\n## Alerting: from a threshold crossing to the webhook\n\n{start}\n{block}\n{end}\n"
        open(path, "w").write(text)


if __name__ == "__main__":
    main()
