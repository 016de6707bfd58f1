#!/usr/bin/env bash
# One idempotent set-up for building, testing and running CSV Analyzer (called by
# scripts/test.sh and scripts/start.sh). It installs only what is missing, at the pinned version,
# and says what it does:
#   - the wasm32-unknown-unknown Rust target
#   - trunk 0.21.14 (0.22 needs a newer rustc than ours)
#   - wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock
#   - Debian packages chromium (end-to-end tests), prometheus (promtool and the interop test),
#     prometheus-alertmanager (the interop test) and
#     prometheus-blackbox-exporter (the probes' comparison test)
#   - end2end/ npm packages: playwright-core, binaryen 132 (wasm-opt), csv-spectrum
#   - Python's aiosmtpd 1.4 (the SMTP server of the e-mail notification tests)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD

TRUNK_VERSION=0.21.14
AIOSMTPD_VERSION=1.4.6
WASM_TARGET=wasm32-unknown-unknown
APT_PACKAGES=(chromium prometheus prometheus-alertmanager prometheus-blackbox-exporter)

export PATH="$root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

say() { echo "setup: $*"; }
fail() {
    echo "setup: ERROR: $*" >&2
    exit 1
}
need() {
    command -v "$1" >/dev/null || fail "$1 is not installed: $2"
}

need cargo "install Rust with rustup (https://rustup.rs)"
need rustup "install Rust with rustup (https://rustup.rs)"

# --- Rust target ------------------------------------------------------------------------------
if rustup target list --installed | grep -qx "$WASM_TARGET"; then
    say "rust target $WASM_TARGET: present"
else
    say "rust target $WASM_TARGET: installing"
    rustup target add "$WASM_TARGET" || fail "cannot add the $WASM_TARGET target"
fi

# --- trunk ------------------------------------------------------------------------------------
if [[ "$(trunk --version 2>/dev/null)" == "trunk $TRUNK_VERSION" ]]; then
    say "trunk $TRUNK_VERSION: present"
else
    say "trunk $TRUNK_VERSION: installing (found: $(trunk --version 2>/dev/null || echo none); takes ~7 min)"
    cargo install trunk --version "$TRUNK_VERSION" --locked ||
        fail "cannot install trunk $TRUNK_VERSION"
fi

# --- wasm-bindgen-cli -------------------------------------------------------------------------
bindgen_version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
[[ -n "$bindgen_version" ]] ||
    fail "no wasm-bindgen in Cargo.lock; run 'cargo generate-lockfile' (or any cargo build) first"
if [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $bindgen_version" ]]; then
    say "wasm-bindgen-cli $bindgen_version: present"
else
    say "wasm-bindgen-cli $bindgen_version: installing (found: $(wasm-bindgen --version 2>/dev/null || echo none); takes ~3 min)"
    # Not --locked: the CLI's own lock pins a webpki-roots release the registry no longer serves.
    cargo install wasm-bindgen-cli --version "=$bindgen_version" ||
        fail "cannot install wasm-bindgen-cli $bindgen_version"
fi
grep -q "^wasm_bindgen = \"$bindgen_version\"" Trunk.toml ||
    fail "Trunk.toml [tools] wasm_bindgen must equal Cargo.lock's wasm-bindgen ($bindgen_version)"

# --- Debian packages --------------------------------------------------------------------------
missing=()
for package in "${APT_PACKAGES[@]}"; do
    if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        say "debian package $package: present"
    else
        missing+=("$package")
    fi
done
if ((${#missing[@]})); then
    need apt-get "install ${missing[*]} with your system's package manager"
    sudo=()
    if ((EUID != 0)); then
        need sudo "run this script as root or install ${missing[*]} yourself"
        sudo=(sudo)
    fi
    say "debian packages ${missing[*]}: installing with apt-get"
    "${sudo[@]}" apt-get update -q || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
        "${missing[@]}" || fail "cannot install ${missing[*]}"
fi
[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing after installing chromium"
need promtool "the prometheus package should provide it"
need prometheus-blackbox-exporter "the prometheus-blackbox-exporter package should provide it"

# --- Python: aiosmtpd (server/tests/notify, the e-mail channel's SMTP server) -----------------
need python3 "install Python 3 (the e-mail notification tests run an SMTP server with it)"
aiosmtpd_found=$(python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)' 2>/dev/null || true)
if [[ "$aiosmtpd_found" == 1.4.* ]]; then
    say "python aiosmtpd $aiosmtpd_found: present"
else
    say "python aiosmtpd $AIOSMTPD_VERSION: installing with pip (found: ${aiosmtpd_found:-none})"
    if ! python3 -m pip install --quiet "aiosmtpd==$AIOSMTPD_VERSION"; then
        # Debian's own python3 refuses pip outside a virtualenv (PEP 668): its package, then.
        need apt-get "install aiosmtpd for $(command -v python3) yourself"
        say "python aiosmtpd: pip refused, installing Debian's python3-aiosmtpd with apt-get"
        sudo=()
        ((EUID == 0)) || sudo=(sudo)
        "${sudo[@]}" apt-get update -q || fail "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
            python3-aiosmtpd || fail "cannot install aiosmtpd (neither pip nor apt-get)"
    fi
fi
python3 -c 'import aiosmtpd' 2>/dev/null || fail "aiosmtpd is installed but python3 cannot import it"

# --- npm packages (end2end/) ------------------------------------------------------------------
need node "install Node.js 20 or newer"
need npm "install npm (it comes with Node.js)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || fail "Node.js $(node --version) is too old; 20 or newer is needed"
if (cd end2end && npm ls --depth=0 >/dev/null 2>&1) &&
    [[ "$(wasm-opt --version 2>/dev/null)" == *"version 132"* ]]; then
    say "npm packages in end2end/: present"
elif [[ -f end2end/package-lock.json ]]; then
    say "npm packages in end2end/: installing (npm ci)"
    (cd end2end && npm ci --no-audit --no-fund) || fail "npm ci in end2end/ failed"
else
    say "npm packages in end2end/: installing (npm install; creates package-lock.json)"
    (cd end2end && npm install --no-audit --no-fund) || fail "npm install in end2end/ failed"
fi
[[ "$(command -v wasm-opt)" == "$root/end2end/node_modules/.bin/wasm-opt" ]] ||
    fail "wasm-opt does not come from end2end/node_modules/.bin"
[[ "$(wasm-opt --version)" == *"version 132"* ]] ||
    fail "wasm-opt is '$(wasm-opt --version)', binaryen 132 expected"

say "ready: $(rustc --version | cut -d' ' -f1-2), $(trunk --version), $(wasm-bindgen --version)," \
    "$(wasm-opt --version), node $(node --version), $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
