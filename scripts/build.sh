#!/usr/bin/env bash
# Builds the release panel into dist/ and prints the gzip size of what a browser downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/trunk-release.sh
# The Content-Security-Policy of this build (Trunk's inline loader by hash) and dist/_headers for Netlify.
csp=$(node scripts/csp.mjs --dist dist --write-headers)
echo "Content-Security-Policy: $csp"
scripts/size.sh
