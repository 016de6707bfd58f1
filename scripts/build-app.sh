#!/usr/bin/env bash
# Builds the browser app into dist/ with Trunk 0.21.14 (release: cargo release profile, then
# wasm-opt -Oz). Run scripts/setup.sh first.
#
# Offline-safe: the wasm32 crates are fetched first (a no-op without network once cached), then
# Trunk runs with --offline, so it never tries to download wasm-bindgen or wasm-opt: it uses the
# binaries on PATH, whose versions are checked here against Trunk.toml and Cargo.lock.
set -euo pipefail

cd "$(dirname "$0")/.."

# binaryen 132 from npm must come first on PATH: Debian's binaryen 108 produces a release build
# that dies at start-up (WebAssembly.Table errors), see the toolchain notes.
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

fail() {
    echo "build-app: $*" >&2
    exit 1
}

command -v trunk >/dev/null || fail "trunk is missing; run scripts/setup.sh"
command -v wasm-opt >/dev/null || fail "wasm-opt is missing; run scripts/setup.sh"
[[ "$(wasm-opt --version)" == *"version 132"* ]] ||
    fail "wasm-opt is '$(wasm-opt --version)' from $(command -v wasm-opt); binaryen 132 expected (run scripts/setup.sh)"
lock_version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
[[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $lock_version" ]] ||
    fail "wasm-bindgen CLI is '$(wasm-bindgen --version 2>/dev/null || echo missing)'; Cargo.lock wants $lock_version (run scripts/setup.sh)"
grep -q "^wasm_bindgen = \"$lock_version\"" Trunk.toml ||
    fail "Trunk.toml [tools] wasm_bindgen differs from Cargo.lock's wasm-bindgen $lock_version"

echo "build-app: cargo fetch --target wasm32-unknown-unknown"
cargo fetch --target wasm32-unknown-unknown --quiet

echo "build-app: trunk build --release --offline ($(trunk --version), wasm-bindgen $lock_version, $(wasm-opt --version))"
start=$SECONDS
trunk build --release --offline
echo "build-app: built dist/ in $((SECONDS - start)) s"
for file in dist/*.wasm dist/*.js; do
    echo "build-app:   $file $(wc -c <"$file") bytes, gzip -9 $(gzip -9c "$file" | wc -c) bytes"
done
