#!/usr/bin/env bash
# The long fuzz run: the same property-based tests as CI (test/fuzz-*.test.ts) with many more cases and,
# by default, a fresh random seed each time. A failure prints the seed and path that reproduce it:
#   FUZZ_SEED=<seed> FUZZ_RUNS=<runs> pnpm vitest run test/fuzz-<name>.test.ts
# Usage: scripts/fuzz-long.sh [runs per property, default 50000] [seed, default random]
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_RUNS="${1:-50000}"
export FUZZ_SEED="${2:-random}"
echo "fuzz: FUZZ_RUNS=$FUZZ_RUNS FUZZ_SEED=$FUZZ_SEED"
exec pnpm exec vitest run test/fuzz-
