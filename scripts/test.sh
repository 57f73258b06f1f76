#!/usr/bin/env bash
# The whole test suite: lint, native unit and integration tests, wasm tests in headless Chromium,
# the release build, and end-to-end tests of the built panel served by the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-browser
source scripts/env.sh

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

step "format and lints (native and wasm32)"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p offboard --target wasm32-unknown-unknown --lib --bins --test web -- -D warnings

step "dependency review: licences, sources, checksums (advisories only with a local RustSec database)"
scripts/audit.sh

step "native tests: the functional core and the sandbox"
cargo test --workspace

step "wasm tests in headless Chromium"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_TIMEOUT=60 cargo test -p offboard --target wasm32-unknown-unknown --test web

step "release build of the panel"
scripts/build.sh

step "end-to-end tests: Chromium drives the built panel served by the sandbox"
cargo build -p offboard-sandbox
node --test --test-concurrency=1 tests/e2e/
