"""Side-by-side measurements for docs/benchmarks.md (run by bench/run.sh).

Every figure is measured in this run on this machine: csv-analyzer as a subprocess (wall time,
process start included), DuckDB and polars in-process around read + summary (import excluded),
scipy/numpy in-process around the drift computation only (reading excluded, as the issue asks).
Times are medians of RUNS runs; ratios compare medians. Peak memory is the maximum resident set
size from /usr/bin/time -v.
"""

import json
import os
import statistics
import subprocess
import sys
import time

import duckdb
import numpy as np
import polars as pl
from scipy import stats

BIN = os.environ.get("CSV_ANALYZER", "target/release/csv-analyzer")
RUNS = int(os.environ.get("RUNS", "5"))
NUMERIC = ["normal", "lognormal", "uniform", "count", "exponential", "heavy_tail"]


def median_time(fn, runs=RUNS):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def run_ours(*args):
    subprocess.run([BIN, *args], check=True, stdout=subprocess.DEVNULL)


def peak_rss_mb(command):
    result = subprocess.run(
        ["/usr/bin/time", "-v", *command],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in result.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) / 1024
    raise RuntimeError("no peak RSS in /usr/bin/time output")


def duckdb_profile(path):
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"SUMMARIZE SELECT * FROM read_csv('{path}')").fetchall()
    con.close()


def polars_profile(path):
    pl.read_csv(path).describe()


def psi(reference, current, bins=10):
    cuts = np.unique(np.quantile(reference, np.arange(1, bins) / bins))
    r = np.bincount(np.searchsorted(cuts, reference, side="right"), minlength=len(cuts) + 1)
    c = np.bincount(np.searchsorted(cuts, current, side="right"), minlength=len(cuts) + 1)
    r = np.clip(r / r.sum(), 1e-4, None)
    c = np.clip(c / c.sum(), 1e-4, None)
    return float(np.sum((c - r) * np.log(c / r)))


def scipy_drift(columns):
    for reference, current in columns:
        stats.ks_2samp(reference, current, method="auto")
        stats.wasserstein_distance(reference, current)
        psi(reference, current)


def main():
    reference, current, big = sys.argv[1:4]
    mb = os.path.getsize(reference) / 1e6
    results = {"file_mb": mb, "runs": RUNS}

    ours, ours_min = median_time(lambda: run_ours("profile", reference, "--json"))
    duck, duck_min = median_time(lambda: duckdb_profile(reference))
    polars_t, polars_min = median_time(lambda: polars_profile(reference))
    results["profile"] = {
        "csv_analyzer_s": ours, "duckdb_s": duck, "polars_s": polars_t,
        "csv_analyzer_min_s": ours_min, "duckdb_min_s": duck_min, "polars_min_s": polars_min,
        "csv_analyzer_mb_s": mb / ours, "duckdb_mb_s": mb / duck, "polars_mb_s": mb / polars_t,
        "ratio_vs_polars": polars_t / ours, "ratio_vs_duckdb": duck / ours,
    }

    frames = [pl.read_csv(p) for p in (reference, current)]
    columns = [
        tuple(f[name].drop_nulls().cast(pl.Float64).to_numpy() for f in frames)
        for name in NUMERIC
    ]
    ours_drift, ours_drift_min = median_time(lambda: run_ours("drift", reference, current, "--json"))
    theirs_drift, theirs_drift_min = median_time(lambda: scipy_drift(columns))
    results["drift"] = {
        "csv_analyzer_s": ours_drift, "scipy_numpy_s": theirs_drift,
        "csv_analyzer_min_s": ours_drift_min, "scipy_numpy_min_s": theirs_drift_min,
        "ratio_vs_scipy": theirs_drift / ours_drift,
    }

    results["memory_mb"] = {
        "profile_100mb": peak_rss_mb([BIN, "profile", reference, "--json"]),
        "drift_100mb_x2": peak_rss_mb([BIN, "drift", reference, current, "--json"]),
    }
    if os.path.exists(big):
        big_mb = os.path.getsize(big) / 1e6
        start = time.perf_counter()
        results["memory_mb"]["profile_1gb"] = peak_rss_mb([BIN, "profile", big, "--json"])
        elapsed = time.perf_counter() - start
        results["big"] = {"file_mb": big_mb, "seconds": elapsed, "mb_s": big_mb / elapsed}
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
