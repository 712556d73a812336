// The best still stand anywhere in a recording, for offline analysis of files in which both sensors are
// never still for the live calibration's stillMinS (issue #11, class 7: 36 of 60 real trials).
//
// Every grid frame is tested for quiet: both sensors' "up" directions turn slower than quietDegS and
// the sacrum's specific force stays within quietAccMS2 of its running mean (running mean squares over
// tauS). Runs of quiet frames of at least minS are kept with their mean "up" per sensor, and grouped by
// posture (both sensors' up directions within postureDeg of the group's first, longest run).
//
// Which posture is standing? Not simply the one held still longest: a person who sits for 15 s is
// stiller than one swaying on their feet, and a seated pelvis is rolled back (posterior tilt; Lord et al.
// 1997, Spine 22:2571) with the sacrum 0.4-0.5 m lower, so a seated neutral misreads every standing
// moment that follows. Standing is the posture every bend starts from and comes back to (rising from a
// chair passes through a large forward trunk flexion too; Schenkman et al. 1990, Phys Ther 70:638).
// So the whole recording is kept at returnPeriodS, each kept frame is given to the posture group it is
// nearest to (both sensors within returnNearDeg), and a "return" is counted each time the body comes
// back to a group after the thoracic sensor was at least returnFarDeg away from it (a bend, a sit-down,
// a stand-up) and leaves it on the side it came in from (a posture passed on the way down or up of a bend
// is not returned to). The group with the most returns wins (ties: the most quiet time, which is also the rule
// when nothing ever bends), and its longest (then quietest) run is the neutral.
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
  /** The recording's up directions are kept every this many s, to count returns to each posture. */
  returnPeriodS: number;
  /** Both sensors within this of a posture: the body is in it, deg. */
  returnNearDeg: number;
  /** The thoracic sensor this far from a posture: the body has left it (a bend, a sit-down), deg. */
  returnFarDeg: number;
}

export const DEFAULT_BEST_STILL_OPTIONS: BestStillOptions = { minS: 0.5, quietDegS: 3, quietAccMS2: 0.15, tauS: 0.1, postureDeg: 5, returnPeriodS: 0.1, returnNearDeg: 8, returnFarDeg: 20 };

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
  /** Up directions every returnPeriodS (pelvis xyz, trunk xyz per frame), NaN-separated at gaps. */
  track: Float32Array;
  trackLength: number;
  trackT: number;
}

export function createBestStill(options: Partial<BestStillOptions> = {}): BestStillState {
  return { options: { ...DEFAULT_BEST_STILL_OPTIONS, ...options }, runs: [], open: null, last: null, rate2: Infinity, accMean: null, accVar: 0, track: new Float32Array(6 * 1024), trackLength: 0, trackT: -Infinity };
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

function keepTrack(s: BestStillState, t: number, pelvis: Vec3 | null, trunk: Vec3 | null): void {
  if (pelvis && trunk && t - s.trackT < s.options.returnPeriodS) return;
  if (s.trackLength + 6 > s.track.length) {
    const grown = new Float32Array(s.track.length * 2);
    grown.set(s.track);
    s.track = grown;
  }
  const at = s.trackLength;
  if (pelvis && trunk) {
    s.track.set([pelvis[0], pelvis[1], pelvis[2], trunk[0], trunk[1], trunk[2]], at);
    s.trackT = t;
  } else {
    if (at >= 6 && Number.isNaN(s.track[at - 6]!)) return;
    s.track.fill(NaN, at, at + 6);
    s.trackT = -Infinity;
  }
  s.trackLength += 6;
}

/** Feeds one grid frame. */
export function updateBestStill(s: BestStillState, frame: GridFrame): void {
  const o = s.options;
  const { pelvis, trunk } = frame;
  keepTrack(s, frame.t, pelvis?.upS ?? null, trunk?.upS ?? null);
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

/**
 * Returns to each posture: the kept track is walked once; each frame belongs to the nearest posture
 * within returnNearDeg (both sensors). A visit counts as a return when the thoracic sensor was
 * returnFarDeg or more from the posture before it and the body leaves the posture on the side it came
 * from (a posture passed through on the way down or up of a bend is entered on one side and left on the
 * other; standing, the end of every bend, is left the way it was entered).
 */
function countReturns(s: BestStillState, postures: readonly StillRun[]): number[] {
  const o = s.options;
  const tr = s.track;
  const returns = postures.map(() => 0);
  const left = postures.map(() => false);
  const offset = (i: number, at: number): number[] => {
    const p = postures[i]!;
    return [tr[at]! - p.pelvisUpS[0], tr[at + 1]! - p.pelvisUpS[1], tr[at + 2]! - p.pelvisUpS[2], tr[at + 3]! - p.trunkUpS[0], tr[at + 4]! - p.trunkUpS[1], tr[at + 5]! - p.trunkUpS[2]];
  };
  let inside = -1;
  /** Where the current visit came in from (offset from its posture), or null when it does not count. */
  let entry: number[] | null = null;
  let prev = -1;
  for (let at = 0; at <= s.trackLength; at += 6) {
    const gap = at === s.trackLength || Number.isNaN(tr[at]!);
    let nearest = -1;
    if (!gap) {
      let nearestDeg = Infinity;
      const pelvis: Vec3 = [tr[at]!, tr[at + 1]!, tr[at + 2]!];
      const trunk: Vec3 = [tr[at + 3]!, tr[at + 4]!, tr[at + 5]!];
      postures.forEach((p, i) => {
        const trunkDeg = angleDeg(p.trunkUpS, trunk);
        if (trunkDeg >= o.returnFarDeg) left[i] = true;
        const deg = Math.max(angleDeg(p.pelvisUpS, pelvis), trunkDeg);
        if (deg <= o.returnNearDeg && deg < nearestDeg) {
          nearest = i;
          nearestDeg = deg;
        }
      });
    }
    if (nearest !== inside) {
      if (inside >= 0 && entry) {
        const exit = gap ? null : offset(inside, at);
        // Left the way it came in (or the track ends or breaks here).
        if (!exit || exit.reduce((sum, x, k) => sum + x * entry![k]!, 0) > 0) returns[inside]!++;
      }
      entry = nearest >= 0 && left[nearest] && prev >= 0 ? offset(nearest, prev) : null;
      if (nearest >= 0) left[nearest] = false;
      inside = nearest;
    }
    prev = gap ? -1 : at;
  }
  return returns;
}

/** The neutral to use: the longest run of the posture returned to most (see the top). Null when no run is long enough. */
export function bestStillRun(s: BestStillState): StillRun | null {
  closeRun(s);
  if (s.runs.length === 0) return null;
  // Posture groups, each led by its longest (then quietest) run.
  const byLength = [...s.runs].sort((a, b) => b.end - b.start - (a.end - a.start) || a.motionDegS - b.motionDegS);
  const groups: { lead: StillRun; quietS: number }[] = [];
  for (const run of byLength) {
    const group = groups.find((g) => angleDeg(g.lead.pelvisUpS, run.pelvisUpS) <= s.options.postureDeg && angleDeg(g.lead.trunkUpS, run.trunkUpS) <= s.options.postureDeg);
    if (group) group.quietS += run.end - run.start;
    else groups.push({ lead: run, quietS: run.end - run.start });
  }
  const returns = countReturns(
    s,
    groups.map((g) => g.lead),
  );
  let best = 0;
  for (let i = 1; i < groups.length; i++) {
    if (returns[i]! > returns[best]! || (returns[i] === returns[best] && groups[i]!.quietS > groups[best]!.quietS + 1e-9)) best = i;
  }
  return groups[best]!.lead;
}
