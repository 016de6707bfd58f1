#!/usr/bin/env bash
# The browser benchmarks (transfer size, LCP, Lighthouse, throughput and memory side by side with
# DuckDB-WASM and PapaParse, the 1 GB file), in one idempotent command:
#   bash bench/browser/run.sh [--write]     # --write rewrites the browser block of docs/benchmarks.md
# Environment:
#   SKIP_BUILD=1   use the built app and target/release binaries as they are
#   DIST_DIR=DIR   build the app into DIR (trunk --dist) and serve it, instead of dist/
#   BIG=1          also the 1 GB file (bench/data/big.csv, 10M rows, generated on first use)
#   RUNS, LCP_RUNS, LIGHTHOUSE_RUNS, ONLY, DUCKDB_BUNDLE   passed to bench.mjs (see its header)
# Needs scripts/setup.sh to have run (trunk, wasm-bindgen, wasm-opt, Debian's chromium).
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$PWD
export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# The settings that change the figures, as the report's command shows them.
shown=()
for name in RUNS LCP_RUNS LIGHTHOUSE_RUNS BIG ONLY DUCKDB_BUNDLE ROWS BIG_ROWS; do
    if [[ -n "${!name:-}" ]]; then shown+=("$name=${!name}"); fi
done

ROWS=${ROWS:-1000000}
BIG_ROWS=${BIG_ROWS:-10000000}
BIG=${BIG:-0}
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}

say() { echo "bench-browser: $*" >&2; }
fail() {
    echo "bench-browser: ERROR: $*" >&2
    exit 1
}

command -v node >/dev/null || fail "node is missing: install Node.js 20 or newer"
command -v npm >/dev/null || fail "npm is missing: it comes with Node.js"
[[ -x "$CHROMIUM" ]] || fail "$CHROMIUM is missing: run scripts/setup.sh (Debian package chromium) or set CHROMIUM_PATH"

# --- npm packages (registry only; package.json pins third-party-web because a lighthouse
#     dependency asks for its moving "latest" tag, which would break npm ci) -------------------
if (cd bench/browser && npm ls --depth=0 >/dev/null 2>&1); then
    say "npm packages in bench/browser: present"
else
    say "npm packages in bench/browser: installing (npm ci)"
    (cd bench/browser && npm ci --no-audit --no-fund >&2) || fail "npm ci in bench/browser failed"
fi

# --- builds -----------------------------------------------------------------------------------
dist=${DIST_DIR:-$root/dist}
build_app() {
    if [[ -z "${DIST_DIR:-}" ]]; then
        bash scripts/build-app.sh >&2 || fail "building the app failed (scripts/build-app.sh)"
    else
        command -v trunk >/dev/null || fail "trunk is missing: run scripts/setup.sh"
        command -v wasm-bindgen >/dev/null || fail "wasm-bindgen is missing: run scripts/setup.sh"
        [[ "$(wasm-opt --version 2>/dev/null)" == *"version 132"* ]] ||
            fail "wasm-opt 132 from end2end/node_modules is missing: run scripts/setup.sh"
        say "trunk build --release --offline --dist $dist"
        trunk build --release --offline --dist "$dist" >&2 || fail "trunk build into $dist failed"
    fi
}
# Every file index.html names must match its integrity hash and every wasm must validate: two
# Trunk builds at once (whatever their --dist) share target/wasm-bindgen and target/wasm-opt, and
# can leave a zero-filled or foreign wasm behind.
check_app() {
    [[ -f "$dist/index.html" ]] || { echo "no index.html in $dist"; return 1; }
    node bench/browser/lib/check_dist.mjs "$dist"
}
if [[ "${SKIP_BUILD:-0}" == 1 ]]; then
    say "SKIP_BUILD=1: using $dist and target/release as they are"
else
    build_app
    if ! why=$(check_app); then
        say "the build in $dist is broken ($why), probably by another Trunk build at the same time; building again"
        build_app
    fi
    say "cargo build --release -p server -p bench"
    cargo build --release -p server -p bench >&2 || fail "cargo build --release -p server -p bench failed"
fi
[[ -f "$dist/index.html" ]] || fail "no built app in $dist (no index.html): drop SKIP_BUILD or set DIST_DIR"
why=$(check_app) || fail "the app in $dist is broken: $why (rebuild it, without another Trunk build running)"
[[ -x target/release/csv-analyzer ]] || fail "target/release/csv-analyzer is missing: cargo build --release -p server"

# --- data (the same files as bench/run.sh) ---------------------------------------------------
mkdir -p bench/data
gen() { # rows, file
    if [[ ! -s "$2" ]]; then
        [[ -x target/release/bench-gen ]] || fail "target/release/bench-gen is missing: cargo build --release -p bench"
        say "generating $2 ($1 rows)"
        target/release/bench-gen --rows "$1" --out "$2.tmp" && mv "$2.tmp" "$2"
    fi
}
gen "$ROWS" bench/data/reference.csv
[[ "$BIG" == 1 ]] && gen "$BIG_ROWS" bench/data/big.csv

# --- measure ----------------------------------------------------------------------------------
export BENCH_COMMAND="${shown[*]}${shown:+ }bash bench/browser/run.sh${*:+ $*}"
export DIST_DIR="$dist" BIG CHROMIUM_PATH="$CHROMIUM"
say "running: $BENCH_COMMAND"
node bench/browser/bench.mjs "$@"
