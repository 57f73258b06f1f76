#!/usr/bin/env bash
# `trunk build --release --offline "$@"` with the size profile of the release wasm (issue 8, size figure).
#
# The standard library is compiled with the panel (cargo's build-std) for size: at the release profile's
# opt-level "z", with std's `optimize_for_size` feature (smaller sort and formatting code), and with no source
# locations in panic messages (the message itself is kept: the panel's panic banner shows it). Together about
# 22 KB gzip less than the prebuilt std. These are unstable cargo and rustc flags: RUSTC_BOOTSTRAP allows them on
# this stable toolchain, for this one build only. They are tied to the rustc the project names (Cargo.toml's
# rust-version); with another rustc, without the rust-src component or without std's crates in cargo's cache (which
# scripts/setup.sh fetches), the build uses the prebuilt std and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

want="rustc $(awk -F'"' '/^rust-version/ { print $2; exit }' Cargo.toml)."
std_ready() {
  [[ "$(rustc --version)" == "$want"* ]] && [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ] &&
    RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
      cargo fetch --offline --target wasm32-unknown-unknown >/dev/null 2>&1
}
if std_ready; then
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
  # Replaces .cargo/config.toml's flags for this target: keep its type-erased components.
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--cfg erase_components -Zlocation-detail=none"
else
  echo "note: $(rustc --version) is not ${want%.}.x, lacks rust-src, or std's crates are not fetched (scripts/setup.sh):" \
    "building with the prebuilt std (a larger wasm)" >&2
fi
exec trunk build --release --offline "$@"
