#!/usr/bin/env bash
# Runs the browser tests (end2end/tests/*.spec.mjs) against the release builds: dist/ from
# scripts/build-app.sh and the server binary: $CSV_ANALYZER_BIN, by default
# target/release/csv-analyzer from `cargo build --release -p server`.
# Each test file starts its own server on a free port. Needs scripts/setup.sh first.
set -euo pipefail

cd "$(dirname "$0")/.."

fail() {
    echo "e2e: $*" >&2
    exit 1
}

[[ -f dist/index.html ]] || fail "dist/ is missing: run scripts/build-app.sh"
export CSV_ANALYZER_BIN="${CSV_ANALYZER_BIN:-$PWD/target/release/csv-analyzer}"
[[ -x "$CSV_ANALYZER_BIN" ]] || fail "$CSV_ANALYZER_BIN is missing: run cargo build --release -p server"
[[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] || fail "Chromium is missing (${CHROMIUM_PATH:-/usr/bin/chromium}): run scripts/setup.sh"
[[ -d end2end/node_modules/playwright-core ]] || fail "playwright-core is missing: run scripts/setup.sh"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd end2end
echo "e2e: node --test tests/*.spec.mjs ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
exec node --test --test-reporter=spec --test-concurrency=1 tests/*.spec.mjs
