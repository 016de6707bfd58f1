#!/usr/bin/env bash
# Benchmarks csv-analyzer side by side with DuckDB, polars and scipy/numpy, in one run.
#   bash bench/run.sh            # 100 MB files + the 1 GB file (generated on first use)
#   BIG=0 bash bench/run.sh      # skip the 1 GB file
# Prints the figures as JSON and rewrites the results block of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
BIG_ROWS=${BIG_ROWS:-10000000}
BIG=${BIG:-1}

echo "== building (release)" >&2
cargo build --release -p server -p bench >&2

echo "== Python tools in bench/.venv" >&2
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
if ! bench/.venv/bin/python -c 'import duckdb, polars, numpy, scipy' 2>/dev/null; then
  bench/.venv/bin/pip install --quiet -r bench/requirements.txt >&2
fi

mkdir -p bench/data
gen() { # rows, file, extra flags
  if [ ! -s "$2" ]; then
    echo "== generating $2 ($1 rows)" >&2
    target/release/bench-gen --rows "$1" --out "$2.tmp" ${3:-} && mv "$2.tmp" "$2"
  fi
}
gen "$ROWS" bench/data/reference.csv
gen "$ROWS" bench/data/current.csv --drifted
big=bench/data/big.csv
if [ "$BIG" = 1 ]; then gen "$BIG_ROWS" "$big"; else big=/nonexistent; fi

echo "== measuring" >&2
results=$(bench/.venv/bin/python bench/compare.py bench/data/reference.csv bench/data/current.csv "$big")
echo "$results"
echo "$results" > bench/data/last-results.json
bench/.venv/bin/python bench/report.py bench/data/last-results.json docs/benchmarks.md
