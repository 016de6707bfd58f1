#!/usr/bin/env bash
# RUM ingestion throughput: POST /api/rum with beacons of 10 events (bench/rum/beacons.lua: five
# vitals, a navigation timing, analysis timings, one JS error in ten beacons; one stored row
# per event), measured with wrk on 127.0.0.1 against the release server, next to GET /healthz in
# the same run (same server, same machine state). Then it waits for the write queue to drain and
# checks that nothing accepted was lost: rows in the database = accepted beacons × 10, and
# rum_rows_dropped_total = 0.
#
# The server and wrk share the machine's cores (nothing pinned: the figure is what this machine
# sustains with its load generator on it). The bench config raises rum.rate_limit_per_minute far
# above the load (every beacon comes from 127.0.0.1, one client).
#
# The bench config also raises rum.queue_capacity to 2,000,000 rows, so the queue absorbs a
# burst faster than the database; the figure that says what the server sustains is the stored
# rate counted to the end of the drain. With the default 100,000 rows, beacons beyond what the
# writer keeps up with are answered 503 (refused, never accepted and lost).
#
#   bash bench/rum.sh [--write]     DURATION=20s CONNECTIONS=64 THREADS=2 ENGINES="sqlite postgres"
#   --write rewrites the rum block of docs/benchmarks.md.
#   postgres uses a fresh database on postgres://postgres@127.0.0.1:5432 (dropped after); it is
#   skipped when psql cannot reach it.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ENGINES=${ENGINES:-sqlite postgres}
ROWS_PER_BEACON=10
command -v wrk >/dev/null || { echo "rum bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
cargo build --release -p server >&2

work=$(mktemp -d)
pid=""
pg_db=""
stop_server() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  pid=""
  [[ -n "$pg_db" ]] && psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
  pg_db=""
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

# wrk --latency output → "requests/s p99_ms non_2xx"
parse_wrk() {
  awk '
    /Requests\/sec/ {rps=$2}
    /^ +99%/ {v=$2; u=v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
              ms = (u=="us") ? v/1000 : (u=="s") ? v*1000 : (u=="m") ? v*60000 : v}
    /Non-2xx or 3xx responses/ {bad=$5}
    END {printf "%s %s %s\n", rps, ms, (bad=="" ? 0 : bad)}' "$1"
}

run_engine() { # engine → $work/result-<engine>.json
  local engine=$1 dir="$work/$1" database_url="" url=""
  mkdir -p "$dir/dist" "$dir/data"
  echo '<!doctype html><title>CSV Analyzer</title>' >"$dir/dist/index.html"
  if [[ "$engine" == postgres ]]; then
    pg_db="rum_bench_$$"
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $pg_db" >/dev/null
    database_url="postgres://postgres@127.0.0.1:5432/$pg_db"
  fi
  cat >"$dir/bench.toml" <<TOML
addr = "127.0.0.1:0"
database_url = "$database_url"
[limits]
concurrency = 1024
[rum]
rate_limit_per_minute = 4000000000
queue_capacity = 2000000
TOML
  CSV_ANALYZER_LOG=warn target/release/csv-analyzer serve --config "$dir/bench.toml" \
    --dist-dir "$dir/dist" --data-dir "$dir/data" >"$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 200); do
    url=$(sed -n 's/^csv-analyzer listening on //p' "$dir/out")
    [[ -n "$url" ]] && break
    sleep 0.05
  done
  [[ -n "$url" ]] || { echo "rum bench: the server did not start" >&2; cat "$dir/err" >&2; exit 1; }
  metric() { # series → value (0 when absent)
    curl -s "$url/metrics" | awk -v s="$1" '$1 == s {print $2; found=1} END {if (!found) print 0}'
  }

  wrk -t1 -c16 -d2s "$url/healthz" >/dev/null    # warm-up
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url/healthz" >"$dir/healthz.txt"
  local healthz_rps healthz_p99 healthz_bad rum_rps rum_p99 rum_bad
  read -r healthz_rps healthz_p99 healthz_bad < <(parse_wrk "$dir/healthz.txt")
  echo "$engine healthz: $healthz_rps req/s, p99 $healthz_p99 ms" >&2

  # Sample the write queue while the load runs, for its peak.
  ( while kill -0 "$pid" 2>/dev/null; do metric rum_queue_rows; sleep 1; done ) >"$dir/queue.txt" 2>/dev/null &
  local sampler=$! start loaded drained
  start=$(date +%s.%N)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/rum/beacons.lua "$url/api/rum" >"$dir/rum.txt"
  loaded=$(date +%s.%N)
  read -r rum_rps rum_p99 rum_bad < <(parse_wrk "$dir/rum.txt")
  echo "$engine rum: $rum_rps beacons/s, p99 $rum_p99 ms, non-2xx $rum_bad" >&2
  # Drain: every accepted row written.
  for _ in $(seq 1200); do
    [[ "$(metric rum_queue_rows)" == 0 ]] && break
    sleep 0.1
  done
  drained=$(date +%s.%N)
  kill "$sampler" 2>/dev/null || true
  local stored
  if [[ "$engine" == postgres ]]; then
    stored=$(psql -tA -h 127.0.0.1 -U postgres -d "$pg_db" -c "SELECT COUNT(*) FROM rum_events")
  else
    stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM rum_events').fetchone()[0])" "$dir/data/csv-analyzer.db")
  fi
  python3 - >"$work/result-$engine.json" <<PY
import json, os
start, loaded, drained = float("$start"), float("$loaded"), float("$drained")
accepted, stored = int(float("$(metric 'rum_beacons_total{outcome="accepted"}')")), int("$stored")
dropped = int(float("$(metric rum_rows_dropped_total)"))
batches = float("$(metric rum_write_duration_seconds_count)")
r = {
    "engine": "$engine", "duration": "$DURATION", "connections": $CONNECTIONS, "threads": $THREADS,
    "healthz_rps": float("$healthz_rps"), "healthz_p99_ms": float("$healthz_p99"),
    "rum_requests_per_s": float("$rum_rps"), "rum_p99_ms": float("$rum_p99"),
    "rum_non_2xx": int("$rum_bad"),
    "accepted_beacons": accepted,
    "refused_503": int(float("$(metric 'rum_beacons_total{outcome="overloaded"}')")),
    "rows_expected": accepted * $ROWS_PER_BEACON, "rows_stored": stored,
    "rows_written_metric": int(float("$(metric rum_rows_written_total)")), "rows_dropped_metric": dropped,
    "queue_peak_rows": int(float("$(sort -n "$dir/queue.txt" | tail -1)" or 0)),
    "load_seconds": round(loaded - start, 2), "drain_seconds": round(drained - loaded, 2),
    "write_batches": int(batches),
    "mean_write_ms": round(float("$(metric rum_write_duration_seconds_sum)") / max(batches, 1) * 1000, 1),
}
r["accepted_beacons_per_s"] = round(accepted / r["load_seconds"])
r["stored_beacons_per_s"] = round(stored / $ROWS_PER_BEACON / (drained - start))
r["nothing_lost"] = stored == r["rows_expected"] and dropped == 0
print(json.dumps(r))
PY
  stop_server
}

read -r LOAD_BEFORE _ </proc/loadavg
export LOAD_BEFORE
for engine in $ENGINES; do
  if [[ "$engine" == postgres ]] && ! psql -q -h 127.0.0.1 -U postgres -d postgres -c "SELECT 1" >/dev/null 2>&1; then
    echo "rum bench: PostgreSQL is not reachable at 127.0.0.1:5432, skipped" >&2
    continue
  fi
  run_engine "$engine"
done

results=()
for engine in $ENGINES; do
  [[ -f "$work/result-$engine.json" ]] && results+=("$work/result-$engine.json")
done
python3 - "$@" "${results[@]}" <<'PY'
import datetime, json, os, sys
args = [a for a in sys.argv[1:] if a.startswith("--")]
results = [json.load(open(p)) for p in sys.argv[1:] if p.endswith(".json")]
print(json.dumps(results, indent=2))
if "--write" in args and results:
    first = results[0]
    begin, end = "<!-- rum:start -->", "<!-- rum:end -->"
    lines = [begin,
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores "
        f"(1-minute load average before the run: {os.environ.get('LOAD_BEFORE', '?')}, other work included) by `bash bench/rum.sh --write`: wrk -t{first['threads']} "
        f"-c{first['connections']} -d{first['duration']} on 127.0.0.1, server and wrk sharing the cores; beacons of "
        "10 events (one stored row each); rate limit raised above the load, write queue raised to 2,000,000 rows.", "",
        "| database | GET /healthz, same run | POST /api/rum answered 202 | p99 | stored, to the end of the drain | write batches | nothing lost (rows stored = accepted × 10, dropped 0) | 503 refused |",
        "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r['engine']} | {r['healthz_rps']:,.0f} req/s (p99 {r['healthz_p99_ms']:.1f} ms) "
            f"| **{r['accepted_beacons_per_s']:,} beacons/s** ({r['accepted_beacons_per_s'] * 10:,} events/s) "
            f"| {r['rum_p99_ms']:.1f} ms "
            f"| **{r['stored_beacons_per_s']:,} beacons/s** (drain {r['drain_seconds']} s after {r['load_seconds']} s, queue peak {r['queue_peak_rows']:,} rows) "
            f"| {r['write_batches']:,} × {r['mean_write_ms']} ms "
            f"| {'yes' if r['nothing_lost'] else 'NO'}: {r['rows_stored']:,} = {r['accepted_beacons']:,} × 10, dropped {r['rows_dropped_metric']} "
            f"| {r['refused_503']:,} |")
    lines += ["", "Target: ≥ 10,000 beacons/s stored with nothing lost.", end]
    doc = open("docs/benchmarks.md").read()
    if begin in doc:
        head, _, rest = doc.partition(begin); _, _, tail = rest.partition(end)
        doc = head + "\n".join(lines) + tail
    else:
        doc += ("\n## Real-user monitoring: beacon ingestion\n\n"
                "What one server ingests from browsers (`POST /api/rum`, issue 6): beacons answered 202,\n"
                "and beacons stored, counted to the end of the queue's drain.\n\n"
                + "\n".join(lines) + "\n")
    open("docs/benchmarks.md", "w").write(doc)
PY
