# Sourced by the scripts: tool versions and PATH. Not meant to be run on its own.
TRUNK_VERSION=0.21.14
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Chromium flags that work as root on a machine with no outside network.
CHROMIUM_ARGS=(--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking
  --disable-component-update --disable-sync --no-first-run)
