// Shared settings for the property-based fuzz tests (test/fuzz-*.test.ts). CI runs FUZZ_RUNS cases
// per property (default 1000) from a fixed seed, so CI is repeatable; scripts/fuzz-long.sh raises the
// runs and sets FUZZ_SEED=random to explore new cases. When a property fails, fast-check prints the
// seed and path that reproduce it (FUZZ_SEED=<seed>).
import type { Parameters } from 'fast-check';

const DEFAULT_RUNS = 1000;

export const FUZZ_RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? DEFAULT_RUNS));
const DEFAULT_SEED = 20261124;
const seedSetting = process.env.FUZZ_SEED ?? String(DEFAULT_SEED);
/** undefined: fast-check draws a new seed each run. */
export const FUZZ_SEED = seedSetting === 'random' ? undefined : Number(seedSetting);

/** fast-check parameters: `share` of FUZZ_RUNS (for properties whose cases are expensive). */
export function fuzzParams<T>(share = 1): Parameters<T> {
  return {
    numRuns: Math.max(10, Math.round(FUZZ_RUNS * share)),
    ...(FUZZ_SEED !== undefined ? { seed: FUZZ_SEED } : {}),
  };
}

/** Test timeout that grows with FUZZ_RUNS (ms), so the long run is not cut off by vitest. */
export const fuzzTimeoutMs = (msPerThousand: number): number => Math.max(30_000, (FUZZ_RUNS / 1000) * msPerThousand * 2);
