// BROAD accuracy: runs the orientation filter over the trials in ../shared/benchmarks/broad and
// reports the data set's own metric (inclination RMSE over the movement mask, degrees).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createOrientationFilter,
  getOrientation,
  updateOrientation,
  type OrientationFilterSettings,
} from '../packages/analysis/src/fusion/orientation-filter';
import { inclinationErrorDeg } from '../packages/analysis/src/math/quaternion';

export const BROAD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/benchmarks/broad');

/** Published anchors measured on this machine size (BROAD README): VQF 6D and Madgwick 6D beta 0.1. */
export const BROAD_ANCHORS: Record<string, { vqf: number; madgwick: number }> = {
  '01_undisturbed_slow_rotation_A': { vqf: 0.599, madgwick: 0.824 },
  '06_undisturbed_fast_rotation_A': { vqf: 0.804, madgwick: 1.438 },
  '10_undisturbed_slow_translation_A': { vqf: 0.299, madgwick: 2.775 },
  '15_undisturbed_fast_translation_A': { vqf: 0.47, madgwick: 5.372 },
  '21_undisturbed_fast_combined': { vqf: 1.716, madgwick: 5.355 },
  '24_disturbed_tapping_A': { vqf: 0.607, madgwick: 1.155 },
  '26_disturbed_phone_vibration_A': { vqf: 0.561, madgwick: 1.433 },
  '28_disturbed_stationary_magnet_A': { vqf: 1.206, madgwick: 4.254 },
  '32_disturbed_attached_magnet_1cm': { vqf: 0.56, madgwick: 3.121 },
};

export interface BroadTrial {
  name: string;
  sampleRateHz: number;
  t: Float64Array;
  acc: Float64Array; // 3 per row
  gyr: Float64Array;
  gt: Float64Array; // 4 per row (w,x,y,z), NaN where lost
  movement: [number, number][];
}

export function listBroadTrials(): string[] {
  if (!existsSync(BROAD_DIR)) return [];
  return readdirSync(BROAD_DIR)
    .filter((f) => f.endsWith('.csv.gz'))
    .map((f) => f.replace(/\.csv\.gz$/, ''))
    .sort();
}

export function loadBroadTrial(name: string): BroadTrial {
  const meta = JSON.parse(readFileSync(path.join(BROAD_DIR, `${name}.json`), 'utf8'));
  const text = gunzipSync(readFileSync(path.join(BROAD_DIR, `${name}.csv.gz`))).toString('utf8');
  const lines = text.split('\n');
  const cols = lines[0]!.split(',');
  const at = (c: string) => cols.indexOf(c);
  const idx = {
    t: at('t'),
    acc: [at('acc_x'), at('acc_y'), at('acc_z')],
    gyr: [at('gyr_x'), at('gyr_y'), at('gyr_z')],
    gt: [at('gt_qw'), at('gt_qx'), at('gt_qy'), at('gt_qz')],
  };
  const n = lines.length - 1 - (lines[lines.length - 1] === '' ? 1 : 0);
  const trial: BroadTrial = {
    name,
    sampleRateHz: meta.sampling_rate_hz,
    t: new Float64Array(n),
    acc: new Float64Array(3 * n),
    gyr: new Float64Array(3 * n),
    gt: new Float64Array(4 * n),
    movement: meta.movement.ranges,
  };
  for (let i = 0; i < n; i++) {
    const v = lines[i + 1]!.split(',');
    trial.t[i] = Number(v[idx.t]);
    for (let k = 0; k < 3; k++) {
      trial.acc[3 * i + k] = Number(v[idx.acc[k]!]);
      trial.gyr[3 * i + k] = Number(v[idx.gyr[k]!]);
    }
    for (let k = 0; k < 4; k++) trial.gt[4 * i + k] = Number(v[idx.gt[k]!]);
  }
  return trial;
}

/** Inclination RMSE (deg) over the movement mask of orientations given per row ([w,x,y,z] x n). */
export function broadRmseFromQuats(trial: BroadTrial, quats: Float64Array): number {
  const n = trial.t.length;
  const inMask = new Uint8Array(n);
  for (const [a, b] of trial.movement) inMask.fill(1, a, b);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!inMask[i]) continue;
    const g = trial.gt.subarray(4 * i, 4 * i + 4);
    if (!Number.isFinite(g[0]!)) continue;
    const e = inclinationErrorDeg([quats[4 * i]!, quats[4 * i + 1]!, quats[4 * i + 2]!, quats[4 * i + 3]!], [g[0]!, g[1]!, g[2]!, g[3]!]);
    sum += e * e;
    count++;
  }
  return Math.sqrt(sum / count);
}

/** Runs the filter in-process over a trial (for parameter studies); returns the inclination RMSE (deg). */
export function broadRmseDeg(trial: BroadTrial, settings: Partial<OrientationFilterSettings> = {}): number {
  const f = createOrientationFilter({ ...settings, sampleRateHz: trial.sampleRateHz });
  const n = trial.t.length;
  const quats = new Float64Array(4 * n);
  const dt = 1 / trial.sampleRateHz;
  for (let i = 0; i < n; i++) {
    updateOrientation(f, trial.gyr.subarray(3 * i, 3 * i + 3), trial.acc.subarray(3 * i, 3 * i + 3), dt);
    quats.set(getOrientation(f), 4 * i);
  }
  return broadRmseFromQuats(trial, quats);
}

/** Runs `hinge fuse` (the product's command) on a trial file and returns its inclination RMSE (deg). */
export function broadRmseViaCli(trial: BroadTrial): number {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const out = execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), path.join(repoRoot, 'packages/sensor-bridge/src/cli/main.ts'), 'fuse', path.join(BROAD_DIR, `${trial.name}.csv.gz`)], {
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  const lines = out.split('\n');
  const quats = new Float64Array(4 * trial.t.length);
  for (let i = 0; i < trial.t.length; i++) {
    const cells = lines[i + 1]!.split(',');
    for (let k = 0; k < 4; k++) quats[4 * i + k] = Number(cells[k + 1]);
  }
  return broadRmseFromQuats(trial, quats);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1])) {
  const results: number[] = [];
  for (const name of listBroadTrials()) {
    const trial = loadBroadTrial(name);
    const r = broadRmseViaCli(trial);
    results.push(r);
    console.log(`${name.padEnd(36)} ${r.toFixed(3)}  (VQF ${BROAD_ANCHORS[name]?.vqf})`);
  }
  console.log(`mean ${(results.reduce((a, b) => a + b, 0) / results.length).toFixed(3)}`);
}
