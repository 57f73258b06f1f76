#!/usr/bin/env bash
# Builds the release panel into dist/ and prints the gzip size of what a browser downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
trunk build --release --offline
scripts/size.sh
