#!/usr/bin/env bash
# The README's run command: set-up, release builds, then the server with the browser app on
# http://127.0.0.1:8080 (or CSV_ANALYZER_ADDR). Data goes to ./data.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

echo "==> set-up (scripts/setup.sh)"
bash scripts/setup.sh
echo "==> browser app (scripts/build-app.sh)"
bash scripts/build-app.sh
echo "==> server (cargo build --release -p server)"
cargo build --release -p server

addr=${CSV_ANALYZER_ADDR:-127.0.0.1:8080}
echo "==> csv-analyzer serve --addr $addr --data-dir ./data --dist-dir dist"
exec target/release/csv-analyzer serve --addr "$addr" --data-dir ./data --dist-dir dist
