#!/usr/bin/env bash
# The README's test command: set-up, formatting, lints, unit and integration tests, the release
# builds, then the browser tests against them. Stops at the first failure.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() {
    echo
    echo "==> $*"
}

# Disk: a CI run once failed with "No space left on device" in the wasm build. CI builds
# everything once, so there it keeps no incremental caches and removes each build's
# intermediate files as soon as no later step reads them (the lint tree, 1.7 GiB, and the wasm
# tree, 0.7 GiB): its build files peak at 2.7 GiB, in the test build. A developer's run keeps
# them all, about 5 GiB (docs/operations.md, "Disk").
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
mkdir -p "$target_dir"
free_gib() { df -Pk "$target_dir" | awk 'NR == 2 { printf "%d", $4 / 1048576 }'; }
step "disk: $(free_gib) GiB free for $target_dir"
if (($(free_gib) < 6)); then
    echo "test.sh: warning: only $(free_gib) GiB free; the builds need 3 GiB (CI) to 5 GiB" >&2
fi
if [[ "${CI:-}" == "true" ]]; then
    export CARGO_INCREMENTAL=0
fi
drop_in_ci() {
    if [[ "${CI:-}" == "true" && -d "$1" ]]; then
        echo "test.sh: CI: removing $1 ($(du -sh "$1" | cut -f1)), no later step reads it"
        rm -rf "$1"
    fi
}

step "set-up (scripts/setup.sh)"
bash scripts/setup.sh

step "format (cargo fmt --all -- --check)"
cargo fmt --all -- --check

step "lints (cargo clippy --workspace --all-targets -- -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

# The shipped binary is built without the test-only features of its dependencies (reqwest's
# `json`, for one): check that it compiles so.
step "server without test features (cargo check -p server --bin csv-analyzer)"
cargo check -p server --bin csv-analyzer
drop_in_ci "$target_dir/debug"

# The browser app first: the browser probe's test (server/tests/browser_probe) drives the real
# app in Chromium. Its output is dist/; the wasm build tree is not read again.
step "browser app (scripts/build-app.sh)"
bash scripts/build-app.sh
drop_in_ci "$target_dir/wasm32-unknown-unknown"

# The `ci` profile (Cargo.toml): optimised like release (the KS oracle's exact distributions
# are slow unoptimised) but without link-time optimisation, which every test binary would
# repeat over the whole dependency graph. The browser tests and the API contract run against
# the server binary this same build made.
step "tests (cargo test --workspace --profile ci)"
cargo test --workspace --profile ci
export CSV_ANALYZER_BIN="$target_dir/ci/csv-analyzer"

step "browser tests (scripts/e2e.sh)"
bash scripts/e2e.sh

step "API contract (server/tests/schemathesis/run.sh: no 5xx, responses match the OpenAPI schema)"
bash server/tests/schemathesis/run.sh

echo
echo "==> disk: $(du -sh "$target_dir" | cut -f1) in $target_dir, $(free_gib) GiB still free"
echo "==> all checks passed"
