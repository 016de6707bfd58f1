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

step "set-up (scripts/setup.sh)"
bash scripts/setup.sh

step "format (cargo fmt --all -- --check)"
cargo fmt --all -- --check

step "lints (cargo clippy --workspace --all-targets -- -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

# The browser app first: the browser probe's test (server/tests/browser_probe) drives the real
# app in Chromium.
step "browser app (scripts/build-app.sh)"
bash scripts/build-app.sh

# The `ci` profile (Cargo.toml): optimised like release (the KS oracle's exact distributions
# are slow unoptimised) but without link-time optimisation, which every test binary would
# repeat over the whole dependency graph. The browser tests and the API contract run against
# the server binary this same build made (target/ci/csv-analyzer).
step "tests (cargo test --workspace --profile ci)"
cargo test --workspace --profile ci
export CSV_ANALYZER_BIN="$PWD/target/ci/csv-analyzer"

# The shipped binary is built without the test-only features of its dependencies (reqwest's
# `json`, for one): check that it compiles so.
step "server without test features (cargo check -p server --bin csv-analyzer)"
cargo check -p server --bin csv-analyzer

step "browser tests (scripts/e2e.sh)"
bash scripts/e2e.sh

step "API contract (server/tests/schemathesis/run.sh: no 5xx, responses match the OpenAPI schema)"
bash server/tests/schemathesis/run.sh

echo
echo "==> all checks passed"
