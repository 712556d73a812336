// Small statistics and timing helpers shared by the benchmarks.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0-100) of values sorted ascending. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Runs `fn` `runs` times (after `warmUp` unmeasured calls) and returns each run's result. */
export function repeat<T>(runs: number, fn: () => T, warmUp = 0): T[] {
  for (let i = 0; i < warmUp; i++) fn();
  return Array.from({ length: runs }, () => fn());
}

export async function repeatAsync<T>(runs: number, fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

export const nowMs = (): number => performance.now();

/** True when the module with this `import.meta.url` is the script node was started with (run alone). */
export function invokedDirectly(metaUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(path.resolve(process.argv[1])).href === metaUrl;
}
