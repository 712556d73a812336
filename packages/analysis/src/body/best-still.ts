// The best still stand anywhere in a recording, for offline analysis of files in which both sensors are
// never still for the live calibration's stillMinS (issue #11, class 7: 36 of 60 real trials).
//
// Every grid frame is tested for quiet: both sensors' "up" directions turn slower than quietDegS and
// the sacrum's specific force stays within quietAccMS2 of its running mean (running mean squares over
// tauS). Runs of quiet frames of at least minS are kept with their mean "up" per sensor. Which posture
// is standing? The one the body comes back to most: runs are grouped by posture (both sensors' up
// directions within postureDeg), the group with the most quiet time wins (a bend's pause at the bottom
// is shorter and rarer than the stands between reps), and its longest run is the neutral.
import type { Vec3 } from '@hinge/protocol';
import type { GridFrame } from './time-grid';

const DEG = 180 / Math.PI;

export interface BestStillOptions {
  /** Shortest quiet run that can be a neutral, s. */
  minS: number;
  quietDegS: number;
  quietAccMS2: number;
  tauS: number;
  /** Runs whose up directions agree within this are the same posture, deg. */
  postureDeg: number;
}

export const DEFAULT_BEST_STILL_OPTIONS: BestStillOptions = { minS: 0.5, quietDegS: 3, quietAccMS2: 0.15, tauS: 0.1, postureDeg: 5 };

/** One quiet run: where, how long, how quiet, and the mean up direction of each sensor (sensor frames, unit). */
export interface StillRun {
  start: number;
  end: number;
  /** RMS turning rate of the up directions during the run, deg/s. */
  motionDegS: number;
  pelvisUpS: Vec3;
  trunkUpS: Vec3;
  /** Mean specific-force magnitude of the sacrum sensor, m/s^2 (null without acceleration). */
  gravityMS2: number | null;
}

interface OpenRun {
  start: number;
  end: number;
  n: number;
  pelvis: Vec3;
  trunk: Vec3;
  gravity: number;
  nGravity: number;
  rate2: number;
}

export interface BestStillState {
  readonly options: BestStillOptions;
  runs: StillRun[];
  open: OpenRun | null;
  last: { t: number; pelvis: Vec3; trunk: Vec3 } | null;
  rate2: number;
  accMean: number | null;
  accVar: number;
}

export function createBestStill(options: Partial<BestStillOptions> = {}): BestStillState {
  return { options: { ...DEFAULT_BEST_STILL_OPTIONS, ...options }, runs: [], open: null, last: null, rate2: Infinity, accMean: null, accVar: 0 };
}

const unit = (a: Vec3): Vec3 => {
  const n = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / n, a[1] / n, a[2] / n];
};
const angleDeg = (a: Vec3, b: Vec3) => Math.acos(Math.max(-1, Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]))) * DEG;

function closeRun(s: BestStillState): void {
  const r = s.open;
  s.open = null;
  if (!r || r.end - r.start < s.options.minS) return;
  s.runs.push({
    start: r.start,
    end: r.end,
    motionDegS: Math.sqrt(r.rate2 / r.n),
    pelvisUpS: unit(r.pelvis),
    trunkUpS: unit(r.trunk),
    gravityMS2: r.nGravity > 0 ? r.gravity / r.nGravity : null,
  });
}

/** Feeds one grid frame. */
export function updateBestStill(s: BestStillState, frame: GridFrame): void {
  const o = s.options;
  const { pelvis, trunk } = frame;
  if (!pelvis || !trunk) {
    closeRun(s);
    s.last = null;
    return;
  }
  const last = s.last;
  const dt = last ? frame.t - last.t : 0;
  s.last = { t: frame.t, pelvis: pelvis.upS, trunk: trunk.upS };
  if (!last || dt <= 0 || dt > 0.1) {
    closeRun(s);
    s.rate2 = Infinity;
    return;
  }
  const k = Math.min(1, dt / o.tauS);
  const rate = Math.max(angleDeg(last.pelvis, pelvis.upS), angleDeg(last.trunk, trunk.upS)) / dt;
  s.rate2 = Number.isFinite(s.rate2) ? s.rate2 + (rate * rate - s.rate2) * k : rate * rate;
  let accQuiet = true;
  const g = pelvis.accS ? Math.hypot(pelvis.accS[0], pelvis.accS[1], pelvis.accS[2]) : null;
  if (g !== null) {
    s.accMean = s.accMean === null ? g : s.accMean + (g - s.accMean) * k;
    s.accVar += ((g - s.accMean) ** 2 - s.accVar) * k;
    accQuiet = s.accVar <= o.quietAccMS2 ** 2;
  }
  const quiet = s.rate2 <= o.quietDegS ** 2 && accQuiet;
  if (!quiet) {
    closeRun(s);
    return;
  }
  const r = (s.open ??= { start: frame.t, end: frame.t, n: 0, pelvis: [0, 0, 0], trunk: [0, 0, 0], gravity: 0, nGravity: 0, rate2: 0 });
  r.end = frame.t;
  r.n++;
  r.pelvis = [r.pelvis[0] + pelvis.upS[0], r.pelvis[1] + pelvis.upS[1], r.pelvis[2] + pelvis.upS[2]];
  r.trunk = [r.trunk[0] + trunk.upS[0], r.trunk[1] + trunk.upS[1], r.trunk[2] + trunk.upS[2]];
  r.rate2 += rate * rate;
  if (g !== null) {
    r.gravity += g;
    r.nGravity++;
  }
}

/** The neutral to use: the longest run of the posture held longest in all. Null when no run is long enough. */
export function bestStillRun(s: BestStillState): StillRun | null {
  closeRun(s);
  const runs = s.runs;
  if (runs.length === 0) return null;
  const same = (a: StillRun, b: StillRun) => angleDeg(a.pelvisUpS, b.pelvisUpS) <= s.options.postureDeg && angleDeg(a.trunkUpS, b.trunkUpS) <= s.options.postureDeg;
  let best: StillRun | null = null;
  let bestTotal = -1;
  for (const run of runs) {
    const total = runs.filter((other) => same(run, other)).reduce((sum, other) => sum + other.end - other.start, 0);
    const longer = best === null || total > bestTotal + 1e-9 || (Math.abs(total - bestTotal) <= 1e-9 && run.end - run.start > best.end - best.start);
    if (longer) {
      best = run;
      bestTotal = total;
    }
  }
  // Within the winning posture, its longest (then quietest) run.
  const group = runs.filter((r) => same(best!, r));
  group.sort((a, b) => b.end - b.start - (a.end - a.start) || a.motionDegS - b.motionDegS);
  return group[0]!;
}
