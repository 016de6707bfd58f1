#!/usr/bin/env bash
# schemathesis (PyPI) against the server's OpenAPI document (/api/openapi.json): every documented
# operation is called with generated requests, and the run fails on any 5xx, any response that
# does not match its documented schema, status, content type or headers (`--checks all`).
#
# Usage: server/tests/schemathesis/run.sh [BASE_URL] [SCHEMATHESIS_OPTIONS…]
#   BASE_URL  a server that is already running, e.g. http://127.0.0.1:8080. Without it the script
#             starts ${CSV_ANALYZER_BIN:-target/release/csv-analyzer} on 127.0.0.1:0 with a temp
#             data dir and ${CSV_ANALYZER_DIST_DIR:-dist} (a one-file temp dist when that has no
#             index.html), and stops it at the end.
#   Further options go to `schemathesis run`, e.g. `--max-examples 200` or `--seed 1`.
#
# A server it starts itself is tested twice: once without credentials (the public surface, and
# 401 everywhere else), then with an admin API token made by `csv-analyzer token create`, so the
# signed-in operations (incidents, post-mortems, users, tokens, …) run their real logic too
# (that pass leaves out the two input-strictness checks, see below).
#
# Needs python3 with venv. The first run (or one after requirements.txt changed) creates
# server/tests/schemathesis/.venv from PyPI. Exits non-zero when schemathesis finds a problem.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="$here/.venv"
requirements="$here/requirements.txt"

fail() {
    echo "schemathesis: $*" >&2
    exit 1
}

# The venv, (re)installed when requirements.txt changes.
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/schemathesis" || "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
    echo "schemathesis: installing $requirements into $venv"
    command -v python3 >/dev/null || fail "python3 is missing"
    python3 -m venv "$venv" || fail "cannot create a venv (Debian: apt-get install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    echo "$want" >"$venv/.requirements.sha256"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ $# -gt 0 && "$1" != -* ]]; then
    base="${1%/}"
    shift
else
    bin="${CSV_ANALYZER_BIN:-$root/target/release/csv-analyzer}"
    [[ -x "$bin" ]] || fail "$bin is missing: run cargo build --release -p server (or set CSV_ANALYZER_BIN)"
    dist="${CSV_ANALYZER_DIST_DIR:-$root/dist}"
    if [[ ! -f "$dist/index.html" ]]; then
        dist="$work/dist"
        mkdir -p "$dist"
        echo '<!doctype html><title>CSV Analyzer</title>' >"$dist/index.html"
    fi
    # The script's own CSV_ANALYZER_* settings are not configuration keys of the server.
    token="$(env -u CSV_ANALYZER_BIN -u CSV_ANALYZER_DIST_DIR \
        "$bin" token create --name schemathesis --role admin --data-dir "$work/data")" ||
        fail "could not make an admin token with $bin token create"
    env -u CSV_ANALYZER_BIN -u CSV_ANALYZER_DIST_DIR \
        "$bin" serve --addr 127.0.0.1:0 --dist-dir "$dist" --data-dir "$work/data" \
        >"$work/stdout" 2>"$work/stderr" &
    server_pid=$!
    base=""
    for _ in $(seq 200); do
        line="$(head -n1 "$work/stdout" 2>/dev/null || true)"
        if [[ "$line" =~ ^csv-analyzer\ listening\ on\ (http://[^[:space:]]+)$ ]]; then
            base="${BASH_REMATCH[1]%/}"
            break
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    [[ -n "$base" ]] || fail "the server did not start: $(cat "$work/stderr")"
    echo "schemathesis: started $bin at $base"
fi

# A clear message when the URL serves no document (e.g. the route is not wired).
"$venv/bin/python" - "$base/api/openapi.json" <<'PY' || fail "no OpenAPI document at $base/api/openapi.json"
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
        version = json.load(response)["openapi"]
except Exception as error:  # any failure: say it in one line
    sys.exit(f"schemathesis: {type(error).__name__}: {error}")
if not str(version).startswith("3."):
    sys.exit(f"schemathesis: unexpected openapi version {version!r}")
PY

# No .hypothesis/ or report files in the repository: run from the temp dir.
cd "$work"
run_schemathesis() {
    "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$base/api/openapi.json" \
        --url "$base" \
        --checks all \
        --wait-for-schema 10 \
        --generation-database none \
        --no-color \
        "$@"
}
if [[ -z "${token:-}" ]]; then
    run_schemathesis "$@"
    exit
fi
echo "schemathesis: pass 1 of 2, without credentials"
run_schemathesis "$@"
# The signed-in pass checks what the server answers (no 5xx; statuses, content types, headers
# and bodies as documented; nothing left reachable after a DELETE), not yet how exactly the
# schema describes the input: some rules (a probe kind and its table, `to` after `from`) are
# beyond JSON Schema, and the generated values break them. It leaves out revoking tokens: the
# stateful phase follows GET /api/tokens to DELETE /api/tokens/{name} and revoked its own token
# (every later call answered 401); server/tests/access covers revocation.
echo "schemathesis: pass 2 of 2, with an admin API token"
run_schemathesis -H "Authorization: Bearer $token" \
    --exclude-checks positive_data_acceptance,negative_data_rejection \
    --exclude-operation-id revoke_token "$@"
