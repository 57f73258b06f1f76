#!/usr/bin/env bash
# The benchmarks (issue 8; not part of `make test`): builds the release panel and the release sandbox, then runs
# bench/run.mjs in headless Chromium, which prints one table and writes the same figures to BENCHMARKS.md.
# Knobs (environment): BENCH_INTAKE_ROWS, BENCH_RSA_USERS, BENCH_RSA_RATE, BENCH_RSA_BUDGET_S, BENCH_CURL_SAMPLE,
# BENCH_EPM_USERS, BENCH_EPM_SPEED, BENCH_EPM_BATCH (defaults in bench/*.mjs); OFFBOARD_DIST builds and measures
# another folder than dist/; BENCH_ONLY=size,intake,rsa,epm runs only those (BENCHMARKS.md is then left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-browser
source scripts/env.sh

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

step "release build of the panel"
while pgrep -f "trunk build" >/dev/null; do echo "waiting for another trunk build to finish…"; sleep 5; done
if [ -n "${OFFBOARD_DIST:-}" ]; then
  # Another folder than dist/ (the tests and bench/ serve it too): build there.
  scripts/trunk-release.sh --dist "$OFFBOARD_DIST"
  scripts/size.sh
else
  scripts/build.sh
fi

step "release build of the sandbox"
cargo build --release -p offboard-sandbox

step "benchmarks (about 12 minutes)"
node bench/run.mjs
