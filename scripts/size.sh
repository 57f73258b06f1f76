#!/usr/bin/env bash
# Prints the gzip size (level 9) of the wasm, js and css in dist/ (or in $OFFBOARD_DIST, relative to the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${OFFBOARD_DIST:-dist}"
total=0
for f in "$dir"/*.wasm "$dir"/*.js "$dir"/*.css; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total=$((total + gz))
  printf '  %-48s %9d B raw %9d B gzip\n' "$(basename "$f")" "$raw" "$gz"
done
awk -v t="$total" 'BEGIN { printf "bundle size (wasm + js + css, gzip -9): %d B (%.1f KiB)\n", t, t / 1024 }'
