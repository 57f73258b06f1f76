#!/usr/bin/env bash
# Builds the release panel and serves it with the sandbox (both emulated APIs, a seeded demo tenant).
# Usage: scripts/demo.sh [PORT]   (default 8787)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh
cargo build -p offboard-sandbox
printf '\nOpen the URL below in a browser; paste the credentials it prints on the Connect step. Ctrl-C stops.\n\n'
exec target/debug/sandbox --port "${1:-8787}" --dist dist --data-dir sandbox-data
