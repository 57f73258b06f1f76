#!/usr/bin/env bash
# The README's screenshots: runs the end-to-end tests that take them (Chromium, against the built panel), then
# copies a chosen few from .artifacts/screenshots/ into docs/screenshots/ under stable names, and checks their
# total size.
#
#   scripts/screenshots.sh            # build the sandbox, run the tests below, copy (the panel: dist/)
#   OFFBOARD_DIST=dist-docs scripts/screenshots.sh   # the same against another build
#   scripts/screenshots.sh --reuse    # copy what the last `make test` left in .artifacts/screenshots/
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

SHOTS=.artifacts/screenshots
OUT=docs/screenshots
LIMIT=1500000 # bytes, all files together

# test file (tests/e2e/<name>.test.mjs) : name given to screenshot() there : name in docs/screenshots/
CHOSEN=(
  rsa:rsa-1-connect:1-connect
  rsa:rsa-2-csv:2-csv
  rsa:rsa-3-preview:3-preview
  rsa:rsa-4-confirm:4-confirm
  rsa:rsa-5-run:5-run
  rsa:rsa-6-results:6-results
  safeguards:safeguards-2-rehearsal:rehearsal
  credentials:credential-refused:credential-refused
  faults:resume-offer:resume-offer
)

reuse=false
case "${1:-}" in
  --reuse) reuse=true ;;
  '') ;;
  *) echo "usage: $0 [--reuse]" >&2; exit 2 ;;
esac

if ! $reuse; then
  dist="${OFFBOARD_DIST:-dist}"
  if [[ ! -f "$dist/index.html" ]]; then
    echo "no built panel in $dist/: run scripts/build.sh (or trunk build --release --dist $dist) first" >&2
    exit 1
  fi
  cargo build -p offboard-sandbox
  files=()
  for entry in "${CHOSEN[@]}"; do files+=("tests/e2e/${entry%%:*}.test.mjs"); done
  mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
  mkdir -p "$SHOTS"
  marker="$(mktemp)"
  trap 'rm -f "$marker"' EXIT
  node --test --test-concurrency=1 "${files[@]}"
fi

missing=0
for entry in "${CHOSEN[@]}"; do
  shot="${entry#*:}"; shot="$SHOTS/${shot%%:*}.png"
  if [[ ! -f "$shot" ]] || { ! $reuse && [[ ! "$shot" -nt "$marker" ]]; }; then
    echo "missing or stale: $shot" >&2
    missing=1
  fi
done
[[ $missing -eq 0 ]] || exit 1

mkdir -p "$OUT"
total=0
for entry in "${CHOSEN[@]}"; do
  rest="${entry#*:}"
  cp "$SHOTS/${rest%%:*}.png" "$OUT/${rest#*:}.png"
  size=$(stat -c %s "$OUT/${rest#*:}.png")
  total=$((total + size))
  printf '%9d  %s\n' "$size" "$OUT/${rest#*:}.png"
done
printf '%9d  total (limit %d)\n' "$total" "$LIMIT"
if ((total > LIMIT)); then
  echo "the screenshots weigh more than $LIMIT bytes: choose fewer" >&2
  exit 1
fi
