"""Rewrites the generated block of docs/benchmarks.md from bench/run.sh's JSON results."""

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone

START, END = "<!-- results:start -->", "<!-- results:end -->"


def main():
    results = json.load(open(sys.argv[1]))
    doc_path = sys.argv[2]
    p, d, m = results["profile"], results["drift"], results["memory_mb"]
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    lines = [
        START,
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {cpu} cores,"
        f" by `bash bench/run.sh` (medians of {results['runs']} runs; file {results['file_mb']:.1f} MB, 1,000,000 rows).",
        "",
        "| measurement | csv-analyzer | other | ratio (other / ours) | target |",
        "|---|---|---|---|---|",
        f"| profile vs polars `read_csv`+`describe` | {p['csv_analyzer_s']:.3f} s ({p['csv_analyzer_mb_s']:.0f} MB/s) | {p['polars_s']:.3f} s ({p['polars_mb_s']:.0f} MB/s) | {p['ratio_vs_polars']:.2f} | ≥ 1.0 |",
        f"| profile vs DuckDB `read_csv`+`SUMMARIZE` (2 threads) | {p['csv_analyzer_s']:.3f} s | {p['duckdb_s']:.3f} s ({p['duckdb_mb_s']:.0f} MB/s) | {p['ratio_vs_duckdb']:.2f} | ≥ 2.0 |",
        f"| drift 1M vs 1M (ours reads both files; theirs compute only) | {d['csv_analyzer_s']:.3f} s | {d['scipy_numpy_s']:.3f} s | {d['ratio_vs_scipy']:.2f} | ≥ 3.0 |",
        f"| peak memory, profile of the 100 MB file | {m['profile_100mb']:.0f} MB | | | < 150 MB |",
        f"| peak memory, drift of two 100 MB files | {m['drift_100mb_x2']:.0f} MB | | | |",
    ]
    if "profile_1gb" in m:
        b = results["big"]
        lines.append(
            f"| peak memory, profile of the {b['file_mb'] / 1000:.1f} GB file (sketch mode) | {m['profile_1gb']:.0f} MB ({b['mb_s']:.0f} MB/s) | | | flat |"
        )
    lines.append(END)
    doc = open(doc_path).read()
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    open(doc_path, "w").write(head + "\n".join(lines) + tail)


if __name__ == "__main__":
    main()
