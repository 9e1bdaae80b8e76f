#!/usr/bin/env bash
# Every test: the core (unit, paper-section, scenario, randomized simulation of each
# shipped preset over RAFT_SEEDS seeds, forged messages in a debug build, then again
# without the economy feature), the
# replica and the harness, the core built for wasm32, all official
# graded-simulator configs and our own scenarios against ./3700kvstore, and the browser
# app in headless Chromium. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export RAFT_SEEDS="${RAFT_SEEDS:-500}"
CONFIGS="${CS3700_CONFIGS:-../shared/cs3700-configs}"

step() { printf '\n==> %s\n' "$*"; }

step "cargo tests (core, replica, harness; $RAFT_SEEDS simulation seeds)"
cargo test --release --workspace

step "forged messages against a debug build of the core (arithmetic overflow checked)"
cargo test -p raft-core --test hostile

step "the paper core without the message economy (cargo feature economy off)"
cargo test --release -p raft-core --no-default-features

step "view-model tests of the web app (native)"
cargo test --release -p raft-web

step "the core builds for wasm32"
cargo build --release -p raft-core --target wasm32-unknown-unknown

step "graded simulator: official configs and our scenarios against 3700kvstore"
# A fixed seed gives every run the same client requests. Check 6 (failed-to-generate gets
# within 10 %) fails by chance whatever the replica when too many clients draw a get before
# their first put (several percent of random seeds, in the configs with fewest gets); with
# seed 1 the requests keep it under 2 % in every config. The replicas, the drops and the
# timing still differ from run to run.
KVSIM_SEED="${KVSIM_SEED:-1}"
make --no-print-directory 3700kvstore
cargo build --release -p harness
if [ -d "$CONFIGS" ]; then
  target/release/kvsim --replica ./3700kvstore --seed "$KVSIM_SEED" --json target/kvsim-official.json "$CONFIGS"
else
  echo "official configs not found at $CONFIGS (set CS3700_CONFIGS)"
  [ "${CI:-}" = true ] && exit 1
fi
target/release/kvsim --replica ./3700kvstore --seed "$KVSIM_SEED" --json target/kvsim-scenarios.json harness/scenarios

step "browser tests (headless Chromium)"
web/tests/run.sh

echo
echo "all tests passed"
