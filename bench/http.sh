#!/usr/bin/env bash
# Overhead of the HTTP metrics middleware: throughput of GET /healthz and of a static asset with
# `metrics.enabled` on and off, measured with wrk on 127.0.0.1, alternating on/off rounds so
# drift of the (noisy) machine hits both sides. The server is pinned to CPU 0 and wrk to CPU 1
# (taskset), so they do not fight over cores: the figure is the server's single-core throughput.
# Prints a JSON summary; with --write, rewrites the http block of docs/benchmarks.md.
#   bash bench/http.sh [--write]        ROUNDS=5 DURATION=5s CONNECTIONS=32
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "http bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[[ -f dist/index.html ]] || { echo "http bench: dist/ is missing: run scripts/build-app.sh" >&2; exit 1; }
cargo build --release -p server >&2

asset=$(cd dist && ls *.css | head -1)
work=$(mktemp -d)
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start() { # metrics enabled: true|false
  rm -rf "$work/data"
  CSV_ANALYZER_METRICS__ENABLED=$1 CSV_ANALYZER_LOG=warn \
    taskset -c 0 target/release/csv-analyzer serve --addr 127.0.0.1:0 --dist-dir dist --data-dir "$work/data" \
    >"$work/out" 2>"$work/err" &
  pid=$!
  for _ in $(seq 100); do
    url=$(sed -n 's/^csv-analyzer listening on //p' "$work/out")
    [[ -n "$url" ]] && return 0
    sleep 0.05
  done
  echo "http bench: the server did not start" >&2; cat "$work/err" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
rps() { # url → requests/s
  taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$1" | awk '/Requests\/sec/ {print $2}'
}

declare -A results
for round in $(seq "$ROUNDS"); do
  # Alternate which side goes first, so an order effect cannot favour one.
  order="true false"; (( round % 2 == 0 )) && order="false true"
  for enabled in $order; do
    start "$enabled"
    rps "$url/healthz" >/dev/null   # warm-up
    results[healthz_$enabled]+="$(rps "$url/healthz") "
    results[asset_$enabled]+="$(rps "$url/$asset") "
    stop
    echo "round $round metrics=$enabled: healthz ${results[healthz_$enabled]}| asset ${results[asset_$enabled]}" >&2
  done
done

python3 - "$@" <<PY
import json, statistics, sys, datetime
r = {k: [float(x) for x in v.split()] for k, v in {
    "healthz_on": "${results[healthz_true]}", "healthz_off": "${results[healthz_false]}",
    "asset_on": "${results[asset_true]}", "asset_off": "${results[asset_false]}"}.items()}
m = {k: statistics.median(v) for k, v in r.items()}
summary = {
    "rounds": ${ROUNDS}, "duration": "${DURATION}", "connections": ${CONNECTIONS},
    "healthz_rps_metrics_on": m["healthz_on"], "healthz_rps_metrics_off": m["healthz_off"],
    "asset_rps_metrics_on": m["asset_on"], "asset_rps_metrics_off": m["asset_off"],
    "healthz_overhead": 1 - m["healthz_on"] / m["healthz_off"],
    "asset_overhead": 1 - m["asset_on"] / m["asset_off"],
}
print(json.dumps(summary, indent=2))
if "--write" in sys.argv[1:]:
    start, end = "<!-- http:start -->", "<!-- http:end -->"
    lines = [start,
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by \`bash bench/http.sh --write\` "
        f"(wrk -t1 -c{summary['connections']} -d{summary['duration']} on CPU 1, the server pinned to CPU 0; "
        f"medians of {summary['rounds']} alternating rounds).", "",
        "| route | metrics off (req/s) | metrics on (req/s) | overhead | target |", "|---|---|---|---|---|",
        f"| GET /healthz | {m['healthz_off']:.0f} | {m['healthz_on']:.0f} | {summary['healthz_overhead']*100:.1f}% | ≤ 5% |",
        f"| GET /${asset} (static file) | {m['asset_off']:.0f} | {m['asset_on']:.0f} | {summary['asset_overhead']*100:.1f}% | ≤ 5% |",
        end]
    doc = open("docs/benchmarks.md").read()
    if start in doc:
        head, _, rest = doc.partition(start); _, _, tail = rest.partition(end)
        doc = head + "\n".join(lines) + tail
    else:
        doc += "\n## HTTP: the metrics middleware's overhead\n\n" + "\n".join(lines) + "\n"
    open("docs/benchmarks.md", "w").write(doc)
PY
