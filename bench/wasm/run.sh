#!/usr/bin/env bash
# Single-threaded engine throughput in wasm32 (V8 under Node), next to the same engine native
# (criterion's figure comes from `cargo bench -p shared`). Usage: bash bench/wasm/run.sh [FILE]
set -euo pipefail
cd "$(dirname "$0")/../.."
file=${1:-bench/data/reference.csv}
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cargo build --release --target wasm32-unknown-unknown -p bench-wasm >&2
out=target/bench-wasm
wasm-bindgen --target nodejs --out-dir "$out" target/wasm32-unknown-unknown/release/bench_wasm.wasm
node -e '
const { profile_rows } = require(process.argv[1] + "/bench_wasm.js");
const bytes = require("fs").readFileSync(process.argv[2]);
let best = Infinity, rows = 0;
for (let i = 0; i < 3; i++) {
  const t = process.hrtime.bigint();
  rows = profile_rows(bytes, 1 << 20);
  best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
}
console.log(JSON.stringify({ file: process.argv[2], mb: bytes.length / 1e6, rows, seconds: best, mb_s: bytes.length / 1e6 / best }));
' "$PWD/$out" "$file"
