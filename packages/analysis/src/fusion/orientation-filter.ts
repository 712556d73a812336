// 6D orientation filter (accelerometer + gyroscope), written for this project from the published
// method of D. Laidig and T. Seel, "VQF: Highly accurate IMU orientation estimation with bias
// estimation and magnetic disturbance rejection", Information Fusion 91 (2023) 187-204:
//
//   1. Strapdown integration of the bias-corrected gyroscope gives qGyr: sensor -> a quasi-inertial
//      frame I that drifts only slowly.
//   2. The accelerometer is rotated into I and low-pass filtered there (2nd-order Butterworth, time
//      constant accTauS). In an inertial frame, movement accelerations average out over seconds
//      (the body does not keep accelerating one way), while gravity stays: this is what lets the
//      filter ignore the accelerations of a hip hinge, a squat or walking.
//   3. qInc: I -> earth is corrected each sample so that the filtered acceleration points up.
//   4. At rest (gyroscope and accelerometer steady for restMinS), the inclination is taken from the
//      short-term mean of the accelerometer, which then measures gravity alone (once, when rest begins).
//   5. The gyroscope bias is estimated by a Kalman filter: at rest from the low-passed gyroscope;
//      in motion from the inclination corrections, with the rotation matrix low-passed by the same
//      filter as the acceleration so the measurement model matches the filter's lag.
//
// State is explicit and update is allocation-free (x-io Fusion style): create with
// createOrientationFilter(), feed with updateOrientation(), read with the getters. The heading
// (rotation about the vertical) is unobserved without a magnetometer and simply drifts; everything
// downstream uses only what the 6D filter observes plus gyroscope-integrated relative rotation.
import type { Quat } from '@hinge/protocol';
import { createLowpassBank, lowpassCoefficients, resetChannel, stepBank, type LowpassBank } from './lowpass';
import { bridgedRate, BRIDGED, CLIPPING, createSaturationState, inSpan, stepClipping, stepSaturation, type SaturationState } from './saturation';

const DEG = Math.PI / 180;

export interface OrientationFilterSettings {
  /** Nominal sample rate, Hz; sets the low-pass coefficients. The actual dt of each sample is used for integration. */
  sampleRateHz: number;
  /** Time constant of the accelerometer low-pass in the quasi-inertial frame, s. */
  accTauS: number;
  /** Rest detection: time constant of the short-term mean, s, and largest deviations from it that still count as still. */
  restFilterTauS: number;
  restThGyrRadS: number;
  restThAccMS2: number;
  /** Time the sensor must be still before it counts as at rest, s. */
  restMinS: number;
  /** Bias Kalman filter: initial standard deviation, and the measurement noise at rest, rad/s. */
  biasSigmaInitRadS: number;
  biasSigmaRestRadS: number;
  /**
   * Noise density of the motion measurement (inclination-correction rate), (rad/s)^2 * s. Chosen as a
   * density so the filter behaves the same at 50 Hz and at 300 Hz.
   */
  biasMotionNoiseDensity: number;
  /** Bias random walk: the standard deviation grows by biasDriftRadS over biasForgettingS (process noise). */
  biasDriftRadS: number;
  biasForgettingS: number;
  /** Bias estimates are clipped to +- this, rad/s. */
  biasClipRadS: number;
  /** A gap longer than this (s) restarts the orientation from the accelerometer; the bias is kept. */
  maxGapS: number;
  /** Device full-scale ranges, rad/s and m/s^2; Infinity: learnt from the readings (saturation.ts). */
  gyrRangeRadS: number;
  accRangeMS2: number;
}

export const DEFAULT_ORIENTATION_SETTINGS: Omit<OrientationFilterSettings, 'sampleRateHz'> = {
  accTauS: 3.0,
  restFilterTauS: 0.5,
  restThGyrRadS: 2.0 * DEG,
  restThAccMS2: 0.2,
  restMinS: 1.5,
  biasSigmaInitRadS: 1.0 * DEG,
  biasSigmaRestRadS: 0.03 * DEG,
  biasMotionNoiseDensity: 3.5e-7,
  biasDriftRadS: 0.1 * DEG,
  biasForgettingS: 100,
  biasClipRadS: 5.0 * DEG,
  maxGapS: 0.25,
  gyrRangeRadS: Infinity,
  accRangeMS2: Infinity,
};

/** No accelerometer's range is under 2 g: a smaller repeated peak is not a range, m/s^2. */
const MIN_ACC_RANGE_MS2 = 19;
/** Samples of clipped spans kept to integrate again (2 s at 256 Hz; a clipped human movement lasts well under 1 s). */
export const SPAN_LOG_SAMPLES = 512;
const SPAN_LOG_STRIDE = 8;
/**
 * Re-anchoring after a bridged span: a window of this long in which the sensor turns slower than
 * ANCHOR_RATE_RAD_S throughout gives the inclination from its mean specific force. Over a window of T
 * seconds that mean is gravity plus the change of velocity divided by T; at the ends of such a window
 * the sensor (about 0.5 m from the hip) moves at most 0.5 m * 0.05 rad/s = 2.5 cm/s, so the mean is
 * off gravity by at most 2 * 0.025 / 0.3 = 0.17 m/s^2 (1 deg), and by far less when the window starts
 * and ends in the same quiet stand.
 */
const ANCHOR_WINDOW_S = 0.3;
const ANCHOR_RATE_RAD_S = 0.05;
/** One standard deviation of a bridge's error, as a share of the rotation it restores (see docs/analysis.md). */
const BRIDGE_REL_SIGMA = 0.2;

export interface OrientationFilter {
  readonly settings: OrientationFilterSettings;
  /** qGyr: sensor -> quasi-inertial frame. */
  gw: number; gx: number; gy: number; gz: number;
  /** qInc: quasi-inertial -> earth (z up). */
  iw: number; ix: number; iy: number; iz: number;
  /** Gyroscope bias estimate, rad/s, sensor frame. */
  bx: number; by: number; bz: number;
  /** Bias covariance (symmetric 3x3, row-major). */
  readonly biasP: Float64Array;
  /** Low-passed acceleration in the quasi-inertial frame (3), m/s^2. */
  readonly accLp: LowpassBank;
  /** Low-passed horizontal rows of the sensor -> earth rotation (6) and of R * bias (2). */
  readonly motionLp: LowpassBank;
  /**
   * Rest detection: short-term means of the gyroscope (0-2, rad/s) and accelerometer (3-5, m/s^2), and of
   * the squared deviations from them (6: gyroscope, (rad/s)^2; 7: accelerometer, (m/s^2)^2), and the
   * noise floors of those (8, 9).
   */
  readonly restMean: Float64Array;
  /** Smoothing factor of those means per sample: 1 - exp(-dt / restFilterTauS). */
  readonly restAlpha: number;
  /** Time left until those averages have settled after a start, s. */
  averagingSettleS: number;
  /** Scratch vectors on the per-sample path: a rotated vector (3), a rate (3), an accelerometer reading (3), the motion low-pass's input (8). */
  readonly rotated: Float64Array;
  readonly rate: Float64Array;
  readonly reading: Float64Array;
  readonly motionIn: Float64Array;
  /** Bias estimation runs every biasEvery-th sample (at most ~100 Hz); corrections and time since its last run. */
  readonly biasEvery: number;
  biasCount: number;
  biasCorrX: number;
  biasCorrY: number;
  biasDtS: number;
  /** Observable internals. */
  initialised: boolean;
  restDetected: boolean;
  restTimeS: number;
  /** The last inclination correction's horizontal rotation vector (x, y), rad. */
  corrX: number;
  corrY: number;
  /** Number of restarts after gaps. */
  gapRestarts: number;
  /** Saturation of the gyroscope and accelerometer (saturation.ts), and whether this sample is clipped. */
  readonly gyrSaturation: SaturationState;
  readonly accSaturation: SaturationState;
  gyrClipping: boolean;
  accClipping: boolean;
  /** Time left in which inclination corrections say nothing about the bias (after clipping), s. */
  biasHoldS: number;
  /** Scratch: the rotation a bridged span missed, rad. */
  readonly bridge: Float64Array;
  /**
   * Raw readings of the clipped spans in progress (SPAN_LOG_STRIDE per sample: time, gyr x/y/z, acc
   * x/y/z, dt), and the state before them (qGyr, qInc, the acceleration low-pass's state and output).
   */
  readonly spanLog: Float64Array;
  spanLogLength: number;
  readonly spanStart: Float64Array;
  /**
   * Up (earth z seen in the sensor frame) after each logged sample, as rebuilt by the last rebuildSpans
   * (3 per sample), and how many samples that covers (0: none, or the log overflowed).
   */
  readonly spanUp: Float64Array;
  rebuiltSamples: number;
  /**
   * After a bridged span the inclination is only as good as the bridge (about a degree per span):
   * time left to look for a quiet window to re-anchor it on, s, and the window in progress (sum of the
   * specific force in the quasi-inertial frame, m/s^2, and its length, s).
   */
  anchorLeftS: number;
  readonly anchorSum: Float64Array;
  anchorS: number;
  anchorN: number;
  /** Re-anchorings done. */
  anchors: number;
  /**
   * Variance of the inclination error the bridges have left since the last re-anchoring or rest, rad^2:
   * each bridged span adds (BRIDGE_REL_SIGMA * its missed rotation)^2.
   */
  bridgeVarRad2: number;

  /** Variance added per second of process noise, (rad/s)^2 / s. */
  readonly biasProcessVarPerS: number;
  /** Squared rest thresholds, (rad/s)^2 and (m/s^2)^2. */
  readonly restThGyrSq: number;
  readonly restThAccSq: number;
}

export function createOrientationFilter(settings: Partial<OrientationFilterSettings> & { sampleRateHz: number }): OrientationFilter {
  const s: OrientationFilterSettings = { ...DEFAULT_ORIENTATION_SETTINGS, ...settings };
  const p0 = s.biasSigmaInitRadS ** 2;
  const accCoefficients = lowpassCoefficients(s.accTauS, s.sampleRateHz);
  const biasEvery = Math.max(1, Math.floor(s.sampleRateHz / 100));
  return {
    settings: s,
    gw: 1, gx: 0, gy: 0, gz: 0,
    iw: 1, ix: 0, iy: 0, iz: 0,
    bx: 0, by: 0, bz: 0,
    biasP: Float64Array.from([p0, 0, 0, 0, p0, 0, 0, 0, p0]),
    accLp: createLowpassBank(accCoefficients, 3),
    motionLp: createLowpassBank(lowpassCoefficients(s.accTauS, s.sampleRateHz / biasEvery), 8),
    restMean: new Float64Array(10).fill(Infinity, 8),
    restAlpha: 1 - Math.exp(-1 / (s.restFilterTauS * s.sampleRateHz)),
    averagingSettleS: 3 * s.restFilterTauS,
    rotated: new Float64Array(3),
    rate: new Float64Array(3),
    reading: new Float64Array(3),
    motionIn: new Float64Array(8),
    biasEvery,
    biasCount: 0,
    biasCorrX: 0,
    biasCorrY: 0,
    biasDtS: 0,
    initialised: false,
    restDetected: false,
    restTimeS: 0,
    corrX: 0,
    corrY: 0,
    gapRestarts: 0,
    gyrSaturation: createSaturationState(s.gyrRangeRadS),
    accSaturation: createSaturationState(s.accRangeMS2, MIN_ACC_RANGE_MS2),
    gyrClipping: false,
    accClipping: false,
    biasHoldS: 0,
    bridge: new Float64Array(3),
    spanLog: new Float64Array(SPAN_LOG_STRIDE * SPAN_LOG_SAMPLES),
    spanLogLength: 0,
    spanStart: new Float64Array(17),
    spanUp: new Float64Array(3 * SPAN_LOG_SAMPLES),
    rebuiltSamples: 0,
    anchorLeftS: 0,
    anchorSum: new Float64Array(3),
    anchorS: 0,
    anchorN: 0,
    anchors: 0,
    bridgeVarRad2: 0,
    biasProcessVarPerS: s.biasDriftRadS ** 2 / s.biasForgettingS,
    restThGyrSq: s.restThGyrRadS ** 2,
    restThAccSq: s.restThAccMS2 ** 2,
  };
}

/** Starts (or restarts) the orientation from one accelerometer reading: tilt from gravity, heading 0. */
function initialise(f: OrientationFilter, ax: number, ay: number, az: number, gyr: ArrayLike<number>): void {
  const n = Math.sqrt(ax * ax + ay * ay + az * az);
  if (n < 1e-6) return;
  const ux = ax / n, uy = ay / n, uz = az / n;
  // qInc takes the measured up direction onto earth z; qGyr starts at identity.
  f.gw = 1; f.gx = 0; f.gy = 0; f.gz = 0;
  if (uz < -0.999999) {
    f.iw = 0; f.ix = 1; f.iy = 0; f.iz = 0;
  } else {
    const w = 1 + uz, x = uy, y = -ux; // 1 + dot(u, z), cross(u, z)
    const m = Math.sqrt(w * w + x * x + y * y);
    f.iw = w / m; f.ix = x / m; f.iy = y / m; f.iz = 0;
  }
  for (let i = 0; i < 3; i++) resetChannel(f.accLp, i, i === 0 ? ax : i === 1 ? ay : az);
  if (!f.initialised) f.restMean.set([gyr[0]!, gyr[1]!, gyr[2]!, ax, ay, az, 0, 0, Infinity, Infinity]);
  for (let i = 0; i < 8; i++) resetChannel(f.motionLp, i, 0);
  f.biasCorrX = f.biasCorrY = f.biasDtS = f.biasCount = 0;
  f.initialised = true;
}

/**
 * One sample: gyroscope (rad/s) and accelerometer (m/s^2, specific force) in the sensor frame, and
 * the time since the previous sample (s).
 */
export function updateOrientation(f: OrientationFilter, gyrRadS: ArrayLike<number>, accMS2: ArrayLike<number>, dtS: number): void {
  const ax = accMS2[0]!, ay = accMS2[1]!, az = accMS2[2]!;
  if (!f.initialised || dtS > f.settings.maxGapS) {
    if (f.initialised) f.gapRestarts++;
    initialise(f, ax, ay, az, gyrRadS);
    return;
  }
  if (!(dtS > 0)) return; // a repeated timestamp carries no time to integrate

  // --- rest detection: raw signals against their own short-term mean (first-order low-pass) ---
  const s = f.settings;
  const rm = f.restMean, alpha = f.restAlpha;
  const gx0 = gyrRadS[0]!, gy0 = gyrRadS[1]!, gz0 = gyrRadS[2]!;
  const d0 = gx0 - (rm[0] = rm[0]! + alpha * (gx0 - rm[0]!));
  const d1 = gy0 - (rm[1] = rm[1]! + alpha * (gy0 - rm[1]!));
  const d2 = gz0 - (rm[2] = rm[2]! + alpha * (gz0 - rm[2]!));
  const d3 = ax - (rm[3] = rm[3]! + alpha * (ax - rm[3]!));
  const d4 = ay - (rm[4] = rm[4]! + alpha * (ay - rm[4]!));
  const d5 = az - (rm[5] = rm[5]! + alpha * (az - rm[5]!));
  // Squared deviations, averaged over the same time constant, so that sensor noise (which would now
  // and then push a single sample over the threshold and restart the count) does not prevent rest;
  // a single sample far over it (3x the threshold) ends rest at once, so movement is not missed.
  const instGyr = d0 * d0 + d1 * d1 + d2 * d2, instAcc = d3 * d3 + d4 * d4 + d5 * d5;
  const devGyr = (rm[6] = rm[6]! + alpha * (instGyr - rm[6]!));
  const devAcc = (rm[7] = rm[7]! + alpha * (instAcc - rm[7]!));
  // Noisy sensors: the thresholds never go below 4x the sensor's own noise floor (the lowest averaged
  // deviation seen, allowed to creep up by 2 %/s so that it follows a sensor whose noise changes).
  // (Averages that have not settled yet, in the first 3 time constants, do not count.)
  const creep = 1 + 0.02 * dtS;
  f.averagingSettleS -= dtS;
  if (f.averagingSettleS <= 0) {
    rm[8] = Math.min(rm[8]! * creep, devGyr);
    rm[9] = Math.min(rm[9]! * creep, devAcc);
  }
  const floorGyr = rm[8]!, floorAcc = rm[9]!;
  // Capped at twice the configured thresholds: beyond that it is not noise but a patient who never stands still.
  const thGyrSq = Math.max(f.restThGyrSq, Math.min(4 * floorGyr, 4 * f.restThGyrSq));
  const thAccSq = Math.max(f.restThAccSq, Math.min(4 * floorAcc, 4 * f.restThAccSq));
  // ... and one sample far above both the threshold and the recent average ends rest at once.
  const jolt = (instGyr > 9 * thGyrSq && instGyr > 10 * devGyr) || (instAcc > 9 * thAccSq && instAcc > 10 * devAcc);
  // Rest also means not turning: the mean rate, less the bias estimate, must be within half the gyro
  // threshold plus three standard deviations of that estimate (so a large bias can still be learnt
  // at the first rest, but a slow sway or a held bend with a slight drift is not taken for rest later).
  if (!jolt && devGyr < thGyrSq && devAcc < thAccSq && notTurning(f, rm)) {
    f.restTimeS += dtS;
  } else {
    f.restTimeS = 0;
  }
  const restBegins = !f.restDetected && f.restTimeS >= s.restMinS;
  f.restDetected = f.restTimeS >= s.restMinS;

  // --- saturation: a clipped reading is a lower bound of the rate (saturation.ts) ---
  const gyrSat = stepSaturation(f.gyrSaturation, gyrRadS, dtS, f.bridge);
  f.gyrClipping = (gyrSat & CLIPPING) !== 0;
  if (gyrSat & BRIDGED) {
    const b = f.bridge;
    f.bridgeVarRad2 += BRIDGE_REL_SIGMA * BRIDGE_REL_SIGMA * (b[0]! * b[0]! + b[1]! * b[1]! + b[2]! * b[2]!);
  }
  f.accClipping = stepClipping(f.accSaturation, accMS2);
  // Inclination corrections during and for one accelerometer time constant after clipping come from
  // the clipped rotation, not from the bias: the bias is not taught by them.
  if (f.gyrClipping || f.accClipping) f.biasHoldS = s.accTauS;
  else if (f.biasHoldS > 0) f.biasHoldS -= dtS;

  // --- strapdown integration of the bias-corrected gyroscope: qGyr <- qGyr * exp(w dt / 2) ---
  const logging = f.spanLogLength > 0 || f.gyrClipping || inSpan(f.gyrSaturation);
  if (logging) logSpanSample(f, gyrRadS, accMS2, dtS);
  const w = f.rate;
  w[0] = gyrRadS[0]! - f.bx;
  w[1] = gyrRadS[1]! - f.by;
  w[2] = gyrRadS[2]! - f.bz;
  integrateRate(f, w, dtS);

  // --- accelerometer into the quasi-inertial frame, low-passed there ---
  stepAccLowpass(f, accMS2, f.accClipping);
  if (f.anchorLeftS > 0) stepAnchor(f, dtS);
  if (restBegins) {
    f.bridgeVarRad2 = 0;
    // At rest the accelerometer measures gravity alone, so its short-term mean gives the inclination
    // directly. Resetting the long low-pass to it when rest begins ends any start-up or post-movement
    // transient (which would otherwise bias a body calibration taken then). Only then: later in the rest
    // the low-pass is accurate by itself, and the short mean would take in the first, slow accelerations
    // of the next movement before rest is seen to end.
    const v = f.rotated;
    rotateBy(v, f.gw, f.gx, f.gy, f.gz, f.restMean[3]!, f.restMean[4]!, f.restMean[5]!);
    resetChannel(f.accLp, 0, v[0]!);
    resetChannel(f.accLp, 1, v[1]!);
    resetChannel(f.accLp, 2, v[2]!);
  }

  // --- into the earth frame with qInc, and the correction that makes it point up ---
  correctInclination(f);
  const cx = f.corrX, cy = f.corrY; // correction rotation vector (horizontal), rad
  // The clipped spans have all closed with this sample: run them again with the rebuilt rate.
  f.rebuiltSamples = 0;
  if (logging && gyrSat & BRIDGED && !inSpan(f.gyrSaturation)) {
    rebuildSpans(f);
    f.anchorLeftS = 2 * s.accTauS;
    f.anchorS = 0;
  }

  // --- gyroscope bias (Kalman filter on the 3 bias components) ---
  // The bias changes over minutes and its measurements are low-passed over seconds, so this part runs at
  // most at about 100 Hz: above that, every biasEvery-th sample, with the corrections of the samples in
  // between added up (a multi-rate design; the low-passes' coefficients are set for the lower rate).
  f.biasCorrX += cx;
  f.biasCorrY += cy;
  f.biasDtS += dtS;
  if (++f.biasCount < f.biasEvery && !restBegins) return;
  updateBias(f);
}

/**
 * The bias Kalman filter, run every biasEvery-th sample (and when rest begins) with the inclination
 * corrections and the time added up since its last run (f.biasCorrX/Y, f.biasDtS).
 */
function updateBias(f: OrientationFilter): void {
  const dtS = f.biasDtS;
  // Horizontal rows of R = rotation(qInc * qGyr), sensor -> earth, and R * bias, into the motion low-pass.
  const qw = f.iw * f.gw - f.ix * f.gx - f.iy * f.gy - f.iz * f.gz;
  const qx = f.iw * f.gx + f.ix * f.gw + f.iy * f.gz - f.iz * f.gy;
  const qy = f.iw * f.gy - f.ix * f.gz + f.iy * f.gw + f.iz * f.gx;
  const qz = f.iw * f.gz + f.ix * f.gy - f.iy * f.gx + f.iz * f.gw;
  const r00 = 1 - 2 * (qy * qy + qz * qz), r01 = 2 * (qx * qy - qw * qz), r02 = 2 * (qx * qz + qw * qy);
  const r10 = 2 * (qx * qy + qw * qz), r11 = 1 - 2 * (qx * qx + qz * qz), r12 = 2 * (qy * qz - qw * qx);
  const x = f.motionIn;
  x[0] = r00; x[1] = r01; x[2] = r02;
  x[3] = r10; x[4] = r11; x[5] = r12;
  x[6] = r00 * f.bx + r01 * f.by + r02 * f.bz;
  x[7] = r10 * f.bx + r11 * f.by + r12 * f.bz;
  stepBank(f.motionLp, x);

  const P = f.biasP;
  const q = f.biasProcessVarPerS * dtS;
  P[0]! += q; P[4]! += q; P[8]! += q;

  if (f.restDetected) restBiasUpdate(f);
  else if (f.biasHoldS <= 0) motionBiasUpdate(f);
  const clip = f.settings.biasClipRadS;
  f.bx = f.bx > clip ? clip : f.bx < -clip ? -clip : f.bx;
  f.by = f.by > clip ? clip : f.by < -clip ? -clip : f.by;
  f.bz = f.bz > clip ? clip : f.bz < -clip ? -clip : f.bz;
  f.biasCorrX = f.biasCorrY = f.biasDtS = f.biasCount = 0;
}

/** Turns qInc so that the low-passed acceleration (quasi-inertial frame, f.accLp.out) points up; the turn is left in corrX/corrY (rad). */
function correctInclination(f: OrientationFilter): void {
  const v = f.rotated;
  const l = f.accLp.out;
  rotateBy(v, f.iw, f.ix, f.iy, f.iz, l[0]!, l[1]!, l[2]!);
  let ex = v[0]!, ey = v[1]!, ez = v[2]!;
  const en = Math.sqrt(ex * ex + ey * ey + ez * ez);
  f.corrX = f.corrY = 0;
  if (en > 1e-6) {
    ex /= en; ey /= en; ez /= en;
    // Rotation about axis (ey, -ex, 0) by acos(ez) takes e onto z. As a quaternion: [1+ez, ey, -ex, 0] normalised.
    const qw = 1 + ez;
    if (qw > 1e-9) {
      const m = 1 / Math.sqrt(qw * qw + ey * ey + ex * ex);
      const cw = qw * m, cxq = ey * m, cyq = -ex * m;
      const { iw, ix, iy, iz } = f;
      const nw = cw * iw - cxq * ix - cyq * iy;
      const nx = cw * ix + cxq * iw + cyq * iz;
      const ny = cw * iy - cxq * iz + cyq * iw;
      const nz = cw * iz + cxq * iy - cyq * ix;
      const n2 = (3 - (nw * nw + nx * nx + ny * ny + nz * nz)) / 2; // unit times unit: see qGyr above
      f.iw = nw * n2; f.ix = nx * n2; f.iy = ny * n2; f.iz = nz * n2;
      // Per-sample corrections are tiny (the input is low-passed), so the rotation vector is 2 * the
      // quaternion's vector part to well within floating-point noise of the exact 2*asin form.
      f.corrX = 2 * cxq;
      f.corrY = 2 * cyq;
    }
  }
}

/**
 * Rotates a specific-force reading into the quasi-inertial frame and low-passes it there. A clipped
 * accelerometer reading is not the specific force: the low-pass then holds its course instead.
 */
function stepAccLowpass(f: OrientationFilter, acc: ArrayLike<number>, clipped: boolean): void {
  const v = f.rotated;
  const out = f.accLp.out;
  if (clipped) {
    v[0] = out[0]!; v[1] = out[1]!; v[2] = out[2]!;
  } else {
    rotateBy(v, f.gw, f.gx, f.gy, f.gz, acc[0]!, acc[1]!, acc[2]!);
  }
  stepBank(f.accLp, v);
}

/**
 * One sample of the search for a quiet window after a bridged span (see ANCHOR_WINDOW_S). The specific
 * force, already in the quasi-inertial frame in f.rotated, is summed while the sensor turns slowly; a
 * full window replaces the accelerometer low-pass with its mean, so the next inclination correction
 * takes the orientation to it at once (as at the start of a rest). Movement, or a clipped reading,
 * starts the window again.
 */
function stepAnchor(f: OrientationFilter, dtS: number): void {
  f.anchorLeftS -= dtS;
  const sum = f.anchorSum;
  const wx = f.rate[0]!, wy = f.rate[1]!, wz = f.rate[2]!; // the bias-corrected rate of this sample
  if (f.accClipping || f.gyrClipping || wx * wx + wy * wy + wz * wz > ANCHOR_RATE_RAD_S * ANCHOR_RATE_RAD_S) {
    f.anchorS = 0;
    return;
  }
  const v = f.rotated;
  if (f.anchorS === 0) {
    sum[0] = sum[1] = sum[2] = 0;
    f.anchorN = 0;
  }
  sum[0] = sum[0]! + v[0]!;
  sum[1] = sum[1]! + v[1]!;
  sum[2] = sum[2]! + v[2]!;
  f.anchorN++;
  f.anchorS += dtS;
  if (f.anchorS < ANCHOR_WINDOW_S) return;
  const k = 1 / f.anchorN;
  resetChannel(f.accLp, 0, sum[0]! * k);
  resetChannel(f.accLp, 1, sum[1]! * k);
  resetChannel(f.accLp, 2, sum[2]! * k);
  f.anchorLeftS = 0;
  f.anchors++;
  f.bridgeVarRad2 = 0;
}

/** Strapdown step with a bias-corrected rate w (rad/s): qGyr <- qGyr * exp(w dt / 2). */
function integrateRate(f: OrientationFilter, w: Float64Array, dtS: number): void {
  const wx = w[0]!, wy = w[1]!, wz = w[2]!;
  const rateSq = wx * wx + wy * wy + wz * wz;
  if (rateSq > 1e-24) {
    const h2 = (rateSq * dtS * dtS) / 4; // (half the rotation angle)^2
    let cosHalf: number, sinHalfOverRate: number;
    if (h2 < 0.0025) {
      // Taylor series (half angle < 0.05 rad), truncation error < 3e-11: cheaper than sqrt, sin and cos
      // on this per-sample path.
      cosHalf = 1 - h2 * (0.5 - h2 / 24);
      sinHalfOverRate = (dtS / 2) * (1 - h2 * (1 / 6 - h2 / 120));
    } else {
      const rate = Math.sqrt(rateSq);
      cosHalf = Math.cos((rate * dtS) / 2);
      sinHalfOverRate = Math.sin((rate * dtS) / 2) / rate;
    }
    const dw = cosHalf, dx = wx * sinHalfOverRate, dy = wy * sinHalfOverRate, dz = wz * sinHalfOverRate;
    const { gw, gx, gy, gz } = f;
    const nw = gw * dw - gx * dx - gy * dy - gz * dz;
    const nx = gw * dx + gx * dw + gy * dz - gz * dy;
    const ny = gw * dy - gx * dz + gy * dw + gz * dx;
    const nz = gw * dz + gx * dy - gy * dx + gz * dw;
    // Both factors are unit quaternions, so the norm is 1 up to rounding: one Newton step for 1/sqrt
    // (exact to the square of that rounding) keeps it there without a square root.
    const m = (3 - (nw * nw + nx * nx + ny * ny + nz * nz)) / 2;
    f.gw = nw * m; f.gx = nx * m; f.gy = ny * m; f.gz = nz * m;
  }
}

/** Keeps the raw readings of a clipped span (and the state before it), to run it again once bridged. */
function logSpanSample(f: OrientationFilter, gyr: ArrayLike<number>, acc: ArrayLike<number>, dtS: number): void {
  if (f.spanLogLength === 0) {
    const st = f.spanStart;
    st[0] = f.gw; st[1] = f.gx; st[2] = f.gy; st[3] = f.gz;
    st[4] = f.iw; st[5] = f.ix; st[6] = f.iy; st[7] = f.iz;
    st.set(f.accLp.state, 8);
    st.set(f.accLp.out, 14);
  }
  const i = SPAN_LOG_STRIDE * f.spanLogLength;
  f.spanLogLength++;
  if (i + SPAN_LOG_STRIDE > f.spanLog.length) return; // longer than any human movement's clipping: see rebuildSpans
  const log = f.spanLog;
  log[i] = f.gyrSaturation.timeS;
  log[i + 1] = gyr[0]!; log[i + 2] = gyr[1]!; log[i + 3] = gyr[2]!;
  log[i + 4] = acc[0]!; log[i + 5] = acc[1]!; log[i + 6] = acc[2]!;
  log[i + 7] = dtS;
}

/**
 * All clipped spans have closed: run them again from the state before them, with each clipped axis's
 * rate rebuilt (saturation.ts, bridgedRate). Integrating the rebuilt rate sample by sample keeps the
 * order of the rotations (the missed part is not one rotation added at the end), and the accelerations
 * of the span reach the low-pass rotated by the rebuilt orientation, not by the lagging one.
 * (The bias is on hold then, so it needs no replay.)
 */
function rebuildSpans(f: OrientationFilter): void {
  const sat = f.gyrSaturation;
  const log = f.spanLog;
  if (SPAN_LOG_STRIDE * f.spanLogLength > log.length) {
    // The log overflowed: add what the spans missed as one rotation at the end.
    const w = f.rate;
    w[0] = f.bridge[0]! / 1e-3; w[1] = f.bridge[1]! / 1e-3; w[2] = f.bridge[2]! / 1e-3;
    integrateRate(f, w, 1e-3);
  } else {
    const st = f.spanStart;
    f.gw = st[0]!; f.gx = st[1]!; f.gy = st[2]!; f.gz = st[3]!;
    f.iw = st[4]!; f.ix = st[5]!; f.iy = st[6]!; f.iz = st[7]!;
    f.accLp.state.set(st.subarray(8, 14));
    f.accLp.out.set(st.subarray(14, 17));
    const accRange = f.accSaturation.rangeRadS * 0.999;
    const w = f.rate, acc = f.reading;
    for (let k = 0; k < f.spanLogLength; k++) {
      const i = SPAN_LOG_STRIDE * k;
      const tS = log[i]!;
      w[0] = bridgedRate(sat, 0, tS, log[i + 1]!) - f.bx;
      w[1] = bridgedRate(sat, 1, tS, log[i + 2]!) - f.by;
      w[2] = bridgedRate(sat, 2, tS, log[i + 3]!) - f.bz;
      integrateRate(f, w, log[i + 7]!);
      acc[0] = log[i + 4]!; acc[1] = log[i + 5]!; acc[2] = log[i + 6]!;
      stepAccLowpass(f, acc, Math.max(Math.abs(acc[0]), Math.abs(acc[1]), Math.abs(acc[2])) >= accRange);
      correctInclination(f);
      storeUp(f, k);
    }
    f.rebuiltSamples = f.spanLogLength;
  }
  sat.closed.length = 0;
  f.spanLogLength = 0;
}

/** Up seen from the sensor (third row of R(qInc * qGyr)) into spanUp at sample k. */
function storeUp(f: OrientationFilter, k: number): void {
  const w = f.iw * f.gw - f.ix * f.gx - f.iy * f.gy - f.iz * f.gz;
  const x = f.iw * f.gx + f.ix * f.gw + f.iy * f.gz - f.iz * f.gy;
  const y = f.iw * f.gy - f.ix * f.gz + f.iy * f.gw + f.iz * f.gx;
  const z = f.iw * f.gz + f.ix * f.gy - f.iy * f.gx + f.iz * f.gw;
  const u = f.spanUp;
  u[3 * k] = 2 * (x * z - w * y);
  u[3 * k + 1] = 2 * (y * z + w * x);
  u[3 * k + 2] = 1 - 2 * (x * x + y * y);
}

/** out = q * (vx, vy, vz) * conj(q), without allocating (the per-sample path). */
function rotateBy(out: Float64Array, w: number, x: number, y: number, z: number, vx: number, vy: number, vz: number): void {
  const tx = 2 * (y * vz - z * vy), ty = 2 * (z * vx - x * vz), tz = 2 * (x * vy - y * vx);
  out[0] = vx + w * tx + (y * tz - z * ty);
  out[1] = vy + w * ty + (z * tx - x * tz);
  out[2] = vz + w * tz + (x * ty - y * tx);
}

function notTurning(f: OrientationFilter, rm: Float64Array): boolean {
  const P = f.biasP;
  const mx = rm[0]! - f.bx, my = rm[1]! - f.by, mz = rm[2]! - f.bz;
  const turnTh = 0.5 * f.settings.restThGyrRadS + 3 * Math.sqrt(Math.max(P[0]!, P[4]!, P[8]!));
  return mx * mx + my * my + mz * mz < turnTh * turnTh;
}

/**
 * At rest, the low-passed gyroscope is the bias (H = I): Kalman update with innovation y = that mean -
 * estimate. The same short-term mean is measured again every sample; counting each as independent
 * would let a brief, mistaken rest (the slow first instant of a movement) drag the bias along. As a
 * density, the evidence adds up at the rate independent means arrive: one per restFilterTauS.
 */
function restBiasUpdate(f: OrientationFilter): void {
  const s = f.settings;
  const r = (s.biasSigmaRestRadS ** 2 * s.restFilterTauS) / f.biasDtS;
  const y0 = f.restMean[0]! - f.bx, y1 = f.restMean[1]! - f.by, y2 = f.restMean[2]! - f.bz;
  const P = f.biasP;
  // S = P + rI; K = P S^-1; b += K y; P = (I - K) P = P - K P.
  const s00 = P[0]! + r, s01 = P[1]!, s02 = P[2]!, s11 = P[4]! + r, s12 = P[5]!, s22 = P[8]! + r;
  const c00 = s11 * s22 - s12 * s12, c01 = s02 * s12 - s01 * s22, c02 = s01 * s12 - s02 * s11;
  const c11 = s00 * s22 - s02 * s02, c12 = s01 * s02 - s00 * s12, c22 = s00 * s11 - s01 * s01;
  const det = s00 * c00 + s01 * c01 + s02 * c02;
  if (!(Math.abs(det) > 0)) return;
  const d = 1 / det;
  const i00 = c00 * d, i01 = c01 * d, i02 = c02 * d, i11 = c11 * d, i12 = c12 * d, i22 = c22 * d;
  // K = P S^-1 (P and S^-1 symmetric)
  const p00 = P[0]!, p01 = P[1]!, p02 = P[2]!, p11 = P[4]!, p12 = P[5]!, p22 = P[8]!;
  const k00 = p00 * i00 + p01 * i01 + p02 * i02, k01 = p00 * i01 + p01 * i11 + p02 * i12, k02 = p00 * i02 + p01 * i12 + p02 * i22;
  const k10 = p01 * i00 + p11 * i01 + p12 * i02, k11 = p01 * i01 + p11 * i11 + p12 * i12, k12 = p01 * i02 + p11 * i12 + p12 * i22;
  const k20 = p02 * i00 + p12 * i01 + p22 * i02, k21 = p02 * i01 + p12 * i11 + p22 * i12, k22 = p02 * i02 + p12 * i12 + p22 * i22;
  f.bx += k00 * y0 + k01 * y1 + k02 * y2;
  f.by += k10 * y0 + k11 * y1 + k12 * y2;
  f.bz += k20 * y0 + k21 * y1 + k22 * y2;
  // P = P - K P
  const n00 = p00 - (k00 * p00 + k01 * p01 + k02 * p02), n01 = p01 - (k00 * p01 + k01 * p11 + k02 * p12);
  const n02 = p02 - (k00 * p02 + k01 * p12 + k02 * p22), n11 = p11 - (k10 * p01 + k11 * p11 + k12 * p12);
  const n12 = p12 - (k10 * p02 + k11 * p12 + k12 * p22), n22 = p22 - (k20 * p02 + k21 * p12 + k22 * p22);
  P[0] = n00; P[1] = n01; P[2] = n02; P[3] = n01; P[4] = n11; P[5] = n12; P[6] = n02; P[7] = n12; P[8] = n22;
}

/**
 * In motion: Kalman update with a 2x3 H = LP(R)_h (rows h0, h1) and measurement z = LP(R bias_est)_h -
 * c/dt (c: the inclination corrections since the last update). The correction rate is white-ish noise
 * with density biasMotionNoiseDensity: variance per update = density / dt.
 */
function motionBiasUpdate(f: OrientationFilter): void {
  const dtS = f.biasDtS;
  const r = f.settings.biasMotionNoiseDensity / dtS;
  const lp = f.motionLp.out;
  const h00 = lp[0]!, h01 = lp[1]!, h02 = lp[2]!, h10 = lp[3]!, h11 = lp[4]!, h12 = lp[5]!;
  const z0 = lp[6]! - f.biasCorrX / dtS, z1 = lp[7]! - f.biasCorrY / dtS;
  const P = f.biasP;
  // PHt (3x2)
  const a00 = P[0]! * h00 + P[1]! * h01 + P[2]! * h02, a01 = P[0]! * h10 + P[1]! * h11 + P[2]! * h12;
  const a10 = P[3]! * h00 + P[4]! * h01 + P[5]! * h02, a11 = P[3]! * h10 + P[4]! * h11 + P[5]! * h12;
  const a20 = P[6]! * h00 + P[7]! * h01 + P[8]! * h02, a21 = P[6]! * h10 + P[7]! * h11 + P[8]! * h12;
  // S = H P Ht + r I (2x2)
  const s00 = h00 * a00 + h01 * a10 + h02 * a20 + r;
  const s01 = h00 * a01 + h01 * a11 + h02 * a21;
  const s11 = h10 * a01 + h11 * a11 + h12 * a21 + r;
  const det = s00 * s11 - s01 * s01;
  if (!(det > 0)) return;
  const i00 = s11 / det, i01 = -s01 / det, i11 = s00 / det;
  // K = PHt S^-1 (3x2)
  const k00 = a00 * i00 + a01 * i01, k01 = a00 * i01 + a01 * i11;
  const k10 = a10 * i00 + a11 * i01, k11 = a10 * i01 + a11 * i11;
  const k20 = a20 * i00 + a21 * i01, k21 = a20 * i01 + a21 * i11;
  // innovation
  const y0 = z0 - (h00 * f.bx + h01 * f.by + h02 * f.bz);
  const y1 = z1 - (h10 * f.bx + h11 * f.by + h12 * f.bz);
  f.bx += k00 * y0 + k01 * y1;
  f.by += k10 * y0 + k11 * y1;
  f.bz += k20 * y0 + k21 * y1;
  // P = P - K (H P), where H P = (P H^T)^T because P is symmetric; kept symmetric explicitly.
  const n00 = P[0]! - (k00 * a00 + k01 * a01), n01 = P[1]! - (k00 * a10 + k01 * a11), n02 = P[2]! - (k00 * a20 + k01 * a21);
  const n11 = P[4]! - (k10 * a10 + k11 * a11), n12 = P[5]! - (k10 * a20 + k11 * a21), n22 = P[8]! - (k20 * a20 + k21 * a21);
  P[0] = n00; P[1] = n01; P[2] = n02; P[3] = n01; P[4] = n11; P[5] = n12; P[6] = n02; P[7] = n12; P[8] = n22;
}

/** Orientation sensor -> earth (z up), [w, x, y, z]: qInc * qGyr. */
export function getOrientation(f: OrientationFilter): Quat {
  return [
    f.iw * f.gw - f.ix * f.gx - f.iy * f.gy - f.iz * f.gz,
    f.iw * f.gx + f.ix * f.gw + f.iy * f.gz - f.iz * f.gy,
    f.iw * f.gy - f.ix * f.gz + f.iy * f.gw + f.iz * f.gx,
    f.iw * f.gz + f.ix * f.gy - f.iy * f.gx + f.iz * f.gw,
  ];
}
