#!/usr/bin/env bash
# Dependency review (licences, sources, checksums, version requirements, duplicates; advisories when a local
# RustSec database exists, else skipped with a note). Offline; details in scripts/audit.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
node scripts/audit.mjs
