#!/usr/bin/env bash
# Installs what the demo, the tests and the benchmarks need, and skips what is already there.
# Cargo tools go to ~/.cargo/bin; npm tools (wasm-opt, playwright-core, test corpora) to ./node_modules.
# Usage: scripts/setup.sh [--with-browser]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

want_browser=false
[ "${1:-}" = "--with-browser" ] && want_browser=true

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The release build compiles the standard library for size (scripts/trunk-release.sh): it needs std's source,
# and the crates std depends on, which its offline build cannot download.
if ! rustup component list --installed | grep -qx rust-src; then
  step "adding the rust-src component"
  rustup component add rust-src
fi
# Trunk builds offline (Trunk.toml): the project's crates are fetched here first.
if ! cargo fetch --offline >/dev/null 2>&1; then
  step "fetching the project's crates"
  cargo fetch
fi
std_fetch=(env RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort cargo fetch --target wasm32-unknown-unknown)
if ! "${std_fetch[@]}" --offline >/dev/null 2>&1; then
  step "fetching the crates the standard library depends on"
  "${std_fetch[@]}" || echo "note: they could not be fetched: the release build will use the prebuilt std" >&2
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  step "installing trunk $TRUNK_VERSION (about 8 minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ] ||
   [ "$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  step "installing wasm-bindgen-cli $wb_version (about 3 minutes, once)"
  # Not --locked: its lock file names a crate version this registry lacks.
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi
if ! grep -q "wasm_bindgen = \"$wb_version\"" Trunk.toml; then
  echo "Trunk.toml pins a wasm-bindgen other than Cargo.lock's $wb_version: update [tools] wasm_bindgen" >&2
  exit 1
fi

if [ ! -f node_modules/.offboard-lock ] || ! cmp -s package-lock.json node_modules/.offboard-lock; then
  step "installing npm tools (binaryen wasm-opt, playwright-core, csv-spectrum, papaparse, axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.offboard-lock
fi

# nginx: the deployment test (tests/e2e/nginx.test.mjs) runs Debian's nginx unprivileged in front of the sandbox.
if $want_browser && ! { have chromium && have chromedriver && [ -x /usr/sbin/nginx ]; }; then
  step "installing Debian's chromium, chromium-driver and nginx"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Only the packages are wanted: keep Debian from starting nginx as a system service.
  added_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && added_policy=true
  fi
  apt-get install -y -qq chromium chromium-driver nginx >/dev/null
  if $added_policy; then rm -f /usr/sbin/policy-rc.d; fi
fi

step "tools ready: $(trunk --version), wasm-bindgen $(wasm-bindgen --version | awk '{print $2}'), $(wasm-opt --version | awk '{print $1, $3}')"
