#!/usr/bin/env bash
# Builds the release bundle (dist/) and runs the browser tests in headless Chromium.
# Set SKIP_BUILD=1 to test an existing dist/.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"
if [ "${SKIP_BUILD:-}" != 1 ]; then
  # The wasm-only dependencies (yew, web-sys, ...) are not fetched by native builds, and
  # `trunk build --offline` passes --offline to cargo: fetch them first (a no-op when cached).
  cargo fetch --target wasm32-unknown-unknown
  trunk build --release --offline
fi
# The trace viewer's test runs kvsim on the toy replica to get a trace.
cargo build --release -p harness
wasm=$(ls dist/*.wasm)
printf 'wasm bundle: %s bytes (%s bytes gzipped)\n' "$(stat -c %s "$wasm")" "$(gzip -9c "$wasm" | wc -c)"
cd web/tests
if [ ! -d node_modules/playwright-core ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
node --test --test-concurrency=1 app.test.mjs travel.test.mjs layout.test.mjs tour.test.mjs story.test.mjs trace.test.mjs snapshot.test.mjs membership.test.mjs
