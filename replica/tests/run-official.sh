#!/usr/bin/env bash
# Runs 3700kvstore under kvsim on the 17 official configs (read from ../shared/cs3700-configs
# next to the repository, never copied into it) and on harness/scenarios/*.json.
# Writes kvsim's JSON summary (default: $TARGET/official-summary.json, or $1) and exits
# non-zero if any config fails a correctness check. Takes about 14 minutes.
#
#   replica/tests/run-official.sh [summary.json] [extra kvsim args...]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
configs="${OFFICIAL_CONFIGS:-$root/../shared/cs3700-configs}"
target="${CARGO_TARGET_DIR:-$root/target}"
summary="${1:-$target/official-summary.json}"
shift || true

if [ ! -d "$configs" ]; then
    echo "run-official.sh: no official configs at $configs (set OFFICIAL_CONFIGS)" >&2
    exit 2
fi

cd "$root"
cargo build --release -p replica -p harness
"$target/release/kvsim" --replica "$target/release/3700kvstore" --quiet --json "$summary" "$@" \
    "$configs" harness/scenarios/*.json && status=0 || status=$?
echo "summary written to $summary"
exit $status
