// Shared settings for the property-based fuzz tests (test/fuzz-*.test.ts). CI runs FUZZ_RUNS cases
// per property (default 1000); scripts/fuzz-long.sh raises it. FUZZ_SEED makes a run repeatable; when a
// property fails, fast-check prints the seed and path that reproduce it.
import type { Parameters } from 'fast-check';

const DEFAULT_RUNS = 1000;

export const FUZZ_RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? DEFAULT_RUNS));
export const FUZZ_SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;

/** fast-check parameters: `share` of FUZZ_RUNS (for properties whose cases are expensive). */
export function fuzzParams<T>(share = 1): Parameters<T> {
  return {
    numRuns: Math.max(10, Math.round(FUZZ_RUNS * share)),
    ...(FUZZ_SEED !== undefined ? { seed: FUZZ_SEED } : {}),
  };
}

/** Test timeout that grows with FUZZ_RUNS (ms), so the long run is not cut off by vitest. */
export const fuzzTimeoutMs = (msPerThousand: number): number => Math.max(30_000, (FUZZ_RUNS / 1000) * msPerThousand * 2);
