// Calibration to the body and the three sagittal angles.
//
// Neutral: at a still standing period (both sensors still for stillMinS; the first one, or the one
// after a `calibrate` event), each sensor's "up" direction u0 (sensor frame) is averaged. At neutral
// every angle is 0 by construction.
//
// Flexion axis: the forward direction f0 of each segment, in its sensor's frame, is learned from the
// bends themselves. When a segment tilts forward by theta, up seen from the sensor becomes
// cos(theta) u0 - sin(theta) f0, so the part of "up" perpendicular to u0 points backwards along f0.
// Summing that part (weighted by sin^2 theta, over frames tilted more than learnTiltDeg) gives f0 for
// any mounting; side leans and sway are small and symmetric and average out. The left-right
// (flexion) axis is u0 x f0.
//
// Angle: theta = atan2(-up.f0, up.u0): the segment's rotation about its left-right axis since neutral
// (analysis-output spec: + = tilting forward). It uses only the direction of gravity, which the 6D
// filter observes, so heading drift and turning round do not affect it. Before the first bend has
// shown the forward direction, the angle is the tilt from neutral (unsigned).
import type { Vec3 } from '@hinge/protocol';
import type { GridFrame, SegmentAtTime } from './time-grid';

const DEG = 180 / Math.PI;
const STANDARD_GRAVITY_MS2 = 9.80665;

export interface BodyOptions {
  /** Both sensors still this long makes a standing neutral, s (the fusion's rest time). */
  stillMinS: number;
  /** A neutral is averaged over at most this much of its still period, s. */
  averageMaxS: number;
  /** Frames tilted more than this teach the forward direction, deg. */
  learnTiltDeg: number;
  /** A still standing pose reading more than this from neutral means the calibration has gone stale, deg. */
  staleDeg: number;
  /** A `calibrate` request waits this long for the patient to stand still, s. */
  calibrateWaitS: number;
  /**
   * Bend evidence (sum of sin^2 tilt over 100 Hz frames past learnTiltDeg) after which the flexion axis
   * counts as found: 25 is about half a second of bending past 45 deg, i.e. one proper bend.
   */
  axisEvidence: number;
}

export const DEFAULT_BODY_OPTIONS: BodyOptions = { stillMinS: 1.5, averageMaxS: 5, learnTiltDeg: 15, staleDeg: 8, calibrateWaitS: 10, axisEvidence: 25 };

export interface SegmentNeutral {
  /** Up at neutral, sensor frame (unit). */
  upS: Vec3;
  /** Learned forward direction, sensor frame (unit), null until a bend has been seen. */
  forwardS: Vec3 | null;
  forwardSum: Vec3;
  /** Bend evidence gathered since this neutral was taken (sum of sin^2 of the tilt over learning frames). */
  evidence: number;
  /** Mean specific-force magnitude at neutral, m/s^2 (local gravity as this accelerometer reads it). */
  gravityMS2: number | null;
}

export interface Calibration {
  start: number;
  end: number;
  reason: 'first-still-period' | 'calibrate-event' | 'best-still-offline';
}

export interface BodyFrame {
  t: number;
  pelvisDeg: number | null;
  trunkDeg: number | null;
  lumbarDeg: number | null;
  /**
   * Side tilt of the trunk from neutral, deg (unsigned): the angle between "up" and the sagittal plane
   * (u0, f0). Null until a bend has shown the forward direction.
   */
  trunkSideDeg: number | null;
  /** Both sensors present and still. */
  still: boolean;
  /** Vertical acceleration of the sacrum sensor (earth frame, gravity removed, + = up), m/s^2. */
  sacrumVertAccMS2: number | null;
}

interface Averaging {
  n: number;
  sumPelvis: Vec3;
  sumTrunk: Vec3;
  sumGravity: number;
  nGravity: number;
  calibration: Calibration;
  /**
   * Frames of the last commitDelayS, not yet added: a slow start of movement is only recognised as the
   * end of stillness a little late, so the newest frames are dropped when the still period ends.
   */
  pending: { t: number; pelvis: Vec3; trunk: Vec3; gravity: number | null }[];
}

/** Still frames join the neutral average only once this old, s. */
const COMMIT_DELAY_S = 0.5;

export interface BodyState {
  readonly options: BodyOptions;
  pelvis: SegmentNeutral | null;
  trunk: SegmentNeutral | null;
  calibrations: Calibration[];
  averaging: Averaging | null;
  /** Time of a calibrate request still waiting for a still period, or null. */
  pendingCalibrateT: number | null;
  /** The still run in progress: time it became still (both), or null. */
  stillRunStartT: number | null;
  staleWarned: boolean;
  /** The latest neutral's bend axis has been reported as found. */
  axisReported: boolean;
  /** `final` (calibrated): the still period the neutral is averaged over has ended; its window is settled. */
  /** `recalibrate` (calibration-warning): a new calibration would fix what it warns about (stale neutral, slip). */
  messages: { t: number; kind: 'calibrated' | 'calibration-warning' | 'bend-axis'; message: string; calibration?: Calibration; final?: boolean; recalibrate?: true }[];
}

export function createBodyState(options: Partial<BodyOptions> = {}): BodyState {
  return {
    options: { ...DEFAULT_BODY_OPTIONS, ...options },
    pelvis: null,
    trunk: null,
    calibrations: [],
    averaging: null,
    pendingCalibrateT: null,
    stillRunStartT: null,
    staleWarned: false,
    axisReported: false,
    messages: [],
  };
}

export function requestCalibration(state: BodyState, t: number): void {
  state.pendingCalibrateT = t;
}

/** The neutral being averaged is settled (its still period ended, or the data did): its final window. */
export function settleCalibration(state: BodyState, t: number): void {
  const avg = state.averaging;
  if (!avg) return;
  state.averaging = null;
  state.messages.push({ t, kind: 'calibrated', message: `calibrated on still standing ${avg.calibration.start.toFixed(2)}-${avg.calibration.end.toFixed(2)} s`, calibration: { ...avg.calibration }, final: true });
}

const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const scale = (a: Vec3, k: number): Vec3 => [a[0] * k, a[1] * k, a[2] * k];
const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const unit = (a: Vec3): Vec3 => scale(a, 1 / (Math.hypot(a[0], a[1], a[2]) || 1));
const perpendicular = (v: Vec3, axis: Vec3): Vec3 => add(v, scale(axis, -dot(v, axis)));

function segmentAngleDeg(neutral: SegmentNeutral, upS: Vec3): number {
  const c = dot(upS, neutral.upS);
  if (!neutral.forwardS) return Math.acos(Math.max(-1, Math.min(1, c))) * DEG;
  // The vertical components of the segment's forward and up axes are up.f0 and up.u0; atan2 of the two is
  // continuous through 90 deg and beyond. (A side lean phi changes it only by a factor cos(phi) on the
  // cosine: under 0.1 deg for a 5 deg lean.)
  return Math.atan2(-dot(upS, neutral.forwardS), c) * DEG;
}

/** Tilt out of the sagittal plane: asin of up along the left-right axis u0 x f0, deg (unsigned). */
function sideTiltDeg(neutral: SegmentNeutral, upS: Vec3): number | null {
  const f = neutral.forwardS;
  if (!f) return null;
  const u = neutral.upS;
  const left: Vec3 = [u[1] * f[2] - u[2] * f[1], u[2] * f[0] - u[0] * f[2], u[0] * f[1] - u[1] * f[0]];
  return Math.asin(Math.min(1, Math.abs(dot(upS, left)))) * DEG;
}

/** Once the flexion axis is found, only tilts within this of it teach it further (cos 30 deg). */
const LEARN_ALIGNED_COS = Math.cos(30 / DEG);

function learnForward(neutral: SegmentNeutral, upS: Vec3, learnSin: number, axisEvidence: number): void {
  const back = perpendicular(upS, neutral.upS); // = -sin(theta) * forward for a pure forward bend
  const s = Math.hypot(back[0], back[1], back[2]);
  if (s < learnSin) return;
  // Side bends are not symmetric enough to average out (one side bend of 35 deg turns the axis by about
  // 15 deg): once bends have shown the axis, a tilt mostly to the side teaches nothing.
  if (neutral.forwardS && neutral.evidence >= axisEvidence && Math.abs(dot(back, neutral.forwardS)) < LEARN_ALIGNED_COS * s) return;
  neutral.forwardSum = add(neutral.forwardSum, scale(back, -s));
  neutral.forwardS = unit(neutral.forwardSum);
  neutral.evidence += s * s;
}

function startNeutral(previous: SegmentNeutral | null, upS: Vec3): SegmentNeutral {
  // A recalibration keeps the learned forward direction as a weak prior (re-orthogonalised), so angles
  // stay signed; new bends quickly outweigh it if the sensor has turned on the skin.
  let forwardSum: Vec3 = [0, 0, 0];
  if (previous?.forwardS) forwardSum = scale(unit(perpendicular(previous.forwardS, upS)), 0.5);
  const hasPrior = Math.hypot(forwardSum[0], forwardSum[1], forwardSum[2]) > 0;
  return { upS, forwardS: hasPrior ? unit(forwardSum) : null, forwardSum, evidence: 0, gravityMS2: null };
}

/**
 * Offline, when no still period of stillMinS exists: the neutral is set before the first frame from a
 * shorter still stand found anywhere in the file (best-still.ts), with the up directions and gravity
 * measured there.
 */
export function presetNeutral(state: BodyState, neutral: { start: number; end: number; pelvisUpS: Vec3; trunkUpS: Vec3; gravityMS2: number | null }): void {
  const calibration: Calibration = { start: neutral.start, end: neutral.end, reason: 'best-still-offline' };
  state.pelvis = startNeutral(null, neutral.pelvisUpS);
  state.trunk = startNeutral(null, neutral.trunkUpS);
  state.pelvis.gravityMS2 = neutral.gravityMS2;
  state.calibrations.push(calibration);
}

/** Advances calibration with one grid frame and returns the body angles at that time. */
export function updateBody(state: BodyState, frame: GridFrame): BodyFrame {
  const { pelvis, trunk } = frame;
  const o = state.options;
  const still = !!(pelvis?.still && trunk?.still);
  if (still) state.stillRunStartT ??= frame.t - o.stillMinS;
  else state.stillRunStartT = null;

  // Start a neutral: the first still period, or the first one after a calibrate request.
  const wantsCalibration = state.pelvis === null || state.pendingCalibrateT !== null;
  if (still && pelvis && trunk && wantsCalibration && !state.averaging) {
    const reason = state.pelvis === null ? 'first-still-period' : 'calibrate-event';
    const calibration: Calibration = { start: Math.max(0, state.stillRunStartT ?? frame.t), end: frame.t, reason };
    state.pelvis = startNeutral(state.pelvis, pelvis.upS);
    state.trunk = startNeutral(state.trunk, trunk.upS);
    state.averaging = { n: 0, sumPelvis: [0, 0, 0], sumTrunk: [0, 0, 0], sumGravity: 0, nGravity: 0, calibration, pending: [] };
    state.calibrations.push(calibration);
    state.pendingCalibrateT = null;
    state.staleWarned = false;
    state.axisReported = false;
    state.messages.push({ t: frame.t, kind: 'calibrated', message: `calibrated on still standing from ${calibration.start.toFixed(2)} s`, calibration: { ...calibration }, final: false });
  }
  if (state.pendingCalibrateT !== null && state.averaging && still) {
    // Asked while a neutral is being taken from this very still period: that is the calibration asked for.
    const calibration = { ...state.averaging.calibration, end: frame.t, reason: 'calibrate-event' as const };
    state.pendingCalibrateT = null;
    state.messages.push({ t: frame.t, kind: 'calibrated', message: `calibrated on still standing from ${calibration.start.toFixed(2)} s`, calibration, final: false });
  }
  if (state.pendingCalibrateT !== null && frame.t - state.pendingCalibrateT > o.calibrateWaitS) {
    state.messages.push({
      t: frame.t,
      kind: 'calibration-warning',
      message: `calibration requested at ${state.pendingCalibrateT.toFixed(1)} s was not possible: the patient did not stand still for ${o.stillMinS} s within ${o.calibrateWaitS} s; the previous calibration is kept`,
    });
    state.pendingCalibrateT = null;
  }

  // Refine the neutral by averaging over the still period (frames join after COMMIT_DELAY_S).
  const avg = state.averaging;
  if (avg && state.pelvis && state.trunk) {
    if (still && pelvis && trunk && frame.t - avg.calibration.start <= o.averageMaxS + o.stillMinS) {
      const accS = pelvis.accS;
      avg.pending.push({ t: frame.t, pelvis: pelvis.upS, trunk: trunk.upS, gravity: accS ? Math.hypot(accS[0], accS[1], accS[2]) : null });
      // The very first frame sets the neutral at once; later ones once they are old enough.
      while (avg.pending.length > 0 && (avg.n === 0 || frame.t - avg.pending[0]!.t >= COMMIT_DELAY_S)) {
        const p = avg.pending.shift()!;
        avg.n++;
        avg.sumPelvis = add(avg.sumPelvis, p.pelvis);
        avg.sumTrunk = add(avg.sumTrunk, p.trunk);
        if (p.gravity !== null) {
          avg.sumGravity += p.gravity;
          avg.nGravity++;
        }
        avg.calibration.end = p.t;
      }
      state.pelvis.upS = unit(avg.sumPelvis);
      state.trunk.upS = unit(avg.sumTrunk);
      if (state.pelvis.forwardS) state.pelvis.forwardS = unit(perpendicular(state.pelvis.forwardS, state.pelvis.upS));
      if (state.trunk.forwardS) state.trunk.forwardS = unit(perpendicular(state.trunk.forwardS, state.trunk.upS));
      state.pelvis.gravityMS2 = avg.nGravity > 0 ? avg.sumGravity / avg.nGravity : null;
    } else {
      settleCalibration(state, frame.t);
    }
  }

  const angle = (neutral: SegmentNeutral | null, seg: SegmentAtTime | null): number | null => {
    if (!neutral || !seg) return null;
    if (!state.averaging) learnForward(neutral, seg.upS, Math.sin(o.learnTiltDeg / DEG), o.axisEvidence);
    return segmentAngleDeg(neutral, seg.upS);
  };
  const pelvisDeg = angle(state.pelvis, pelvis);
  const trunkDeg = angle(state.trunk, trunk);
  const trunkSideDeg = state.trunk && trunk ? sideTiltDeg(state.trunk, trunk.upS) : null;
  if (!state.axisReported && (state.pelvis?.evidence ?? 0) >= o.axisEvidence && (state.trunk?.evidence ?? 0) >= o.axisEvidence) {
    state.axisReported = true;
    state.messages.push({ t: frame.t, kind: 'bend-axis', message: 'the bends have shown the flexion axis of both segments' });
  }
  let sacrumVertAccMS2: number | null = null;
  // In units of the gravity this accelerometer read at neutral, so its scale error (or a recording in g
  // instead of m/s^2) cancels out.
  // A neutral gravity under 0.5 (m/s^2 or g) is no accelerometer reading at all: no vertical acceleration.
  const g0 = state.pelvis?.gravityMS2;
  if (pelvis?.accS && g0 && g0 > 0.5) sacrumVertAccMS2 = (dot(pelvis.upS, pelvis.accS) / g0 - 1) * STANDARD_GRAVITY_MS2;
  return {
    t: frame.t,
    pelvisDeg,
    trunkDeg,
    lumbarDeg: pelvisDeg !== null && trunkDeg !== null ? trunkDeg - pelvisDeg : null,
    trunkSideDeg,
    still,
    sacrumVertAccMS2,
  };
}

/**
 * Called while the patient stands still between reps: a neutral that no longer reads about 0 means a
 * sensor has moved on the skin (or the posture changed). Warns once until the next calibration.
 */
export function checkStale(state: BodyState, frame: BodyFrame): void {
  if (state.staleWarned || state.averaging || !frame.still || frame.pelvisDeg === null || frame.trunkDeg === null) return;
  const limit = state.options.staleDeg;
  if (Math.abs(frame.pelvisDeg) > limit || Math.abs(frame.trunkDeg) > limit) {
    state.staleWarned = true;
    state.messages.push({
      t: frame.t,
      kind: 'calibration-warning',
      recalibrate: true,
      message:
        `calibration looks stale: standing still, the pelvis reads ${frame.pelvisDeg.toFixed(1)} deg and the trunk ` +
        `${frame.trunkDeg.toFixed(1)} deg instead of about 0 (a sensor may have slipped): check the straps and recalibrate`,
    });
  }
}
