// Inter-sensor lag: how far the thoracic sensor's timestamps run behind the sacrum's. Two radios, two
// clocks: a constant offset of 35-40 ms between them is common, and a clock step (a device resetting
// its counter) can shift one stream by half a second. Lumbar flexion is the trunk angle minus the pelvis
// angle at the same instant, so a lag turns every bend's timing difference into a lumbar error.
//
// Both segments turn together in every bend (the trunk rides on the pelvis), so their angular speeds
// rise and fall together: the lag is where the cross-correlation of the two angular-speed signals
// peaks (the classic time-delay estimate: C. H. Knapp & G. C. Carter, "The generalized correlation
// method for estimation of time delay", IEEE Trans. ASSP 24(4), 1976). Angular speed (|gyr - bias|)
// needs no calibration and no common axis: it is the same whatever the sensor's mounting.
//
// The estimator sees the two signals on the common time grid, after the current correction; it
// measures the residual lag over the last windowS of movement, and current correction + residual is
// one estimate of the lag. Bends are not perfectly synchronous (a rounded back flexes the lumbar
// spine first), so single windows scatter by some 10-30 ms: the correction is the median of the last
// `historySize` estimates (a feedback loop: residuals shrink as the correction approaches the lag).
// Each estimate comes from its own window (no overlap), so one unusual movement (a walk, whose segments
// swing out of phase, or a rounded back) is one vote among historySize. Windows without enough movement in both
// signals, or whose correlation peak is weak or at the edge of the search range, give no estimate.
// A gap in one sensor's timestamps that the other sensor does not share may be a clock step rather
// than a drop-out. When the samples kept arriving without a pause (the other sensor's samples did not
// fill the gap in arrival order), it is one: applyLagStep() takes it at once. Otherwise
// suggestLagStep() makes it a hypothesis, and the first estimate that agrees with it (within
// stepToleranceS) is taken at once.

export interface LagOptions {
  /** Correlation window, s, and how often it is evaluated, s. */
  windowS: number;
  everyS: number;
  /** Lags searched, +- s. */
  maxLagS: number;
  /** Both signals must move at least this much in the window (standard deviation of angular speed), rad/s. */
  minStdRadS: number;
  /** A correlation peak below this (normalised, 0-1) is not trusted. */
  minCorrelation: number;
  /** Changes of the correction smaller than this are left alone (below what the grid's interpolation resolves), s. */
  deadbandS: number;
  /** Estimates the correction is the median of, and how many it needs first. */
  historySize: number;
  minHistory: number;
  /** The estimates must agree: their median absolute deviation from the median below this, s. */
  maxSpreadS: number;
  /** An estimate within this of a suspected clock step confirms it, s. */
  stepToleranceS: number;
}

export const DEFAULT_LAG_OPTIONS: LagOptions = {
  windowS: 4,
  everyS: 1,
  maxLagS: 0.7,
  minStdRadS: 0.15,
  minCorrelation: 0.97,
  deadbandS: 0.002,
  historySize: 9,
  minHistory: 5,
  maxSpreadS: 0.015,
  stepToleranceS: 0.06,
};

export interface LagEstimator {
  readonly options: LagOptions;
  readonly periodS: number;
  /** Angular speeds of the last window (ring buffers, rad/s; NaN where a sensor had no value). */
  readonly pelvis: Float64Array;
  readonly trunk: Float64Array;
  /** Frames written (ring position = count % length) and frames since the last evaluation. */
  count: number;
  sinceEvaluation: number;
  /** Current correction: thoracic timestamps run this much behind the sacrum's, s (subtract it from them). */
  lagS: number;
  /** Whether any window has given an estimate. */
  estimated: boolean;
  /** The latest estimates (correction + residual), s, oldest first. */
  readonly history: number[];
  /** A suspected clock step: the lag it would make, s, and how many more estimates may confirm it. */
  stepHypothesisS: number | null;
  stepHypothesisTries: number;
  /** Last evaluation's normalised correlation peak (observable, for tests and plots). */
  lastCorrelation: number;
  /**
   * Standard deviation of the lag left after the correction, s, from the latest estimates (their
   * median's distance from the correction and their spread: 1.4826 * MAD / sqrt(n)); null while there
   * are fewer than minHistory of them (the lag is then unknown).
   */
  sigmaS: number | null;
}

export function createLagEstimator(periodS: number, options: Partial<LagOptions> = {}): LagEstimator {
  const o = { ...DEFAULT_LAG_OPTIONS, ...options };
  const n = Math.round(o.windowS / periodS);
  return { options: o, periodS, pelvis: new Float64Array(n), trunk: new Float64Array(n), count: 0, sinceEvaluation: 0, lagS: 0, estimated: false, history: [], stepHypothesisS: null, stepHypothesisTries: 0, lastCorrelation: 0, sigmaS: null };
}

/**
 * One grid frame's angular speeds (null: the sensor had none). Returns the new correction, s, when it
 * changed with this frame, else null.
 */
export function updateLag(e: LagEstimator, pelvisRadS: number | null, trunkRadS: number | null): number | null {
  const n = e.pelvis.length;
  const i = e.count % n;
  e.pelvis[i] = pelvisRadS ?? NaN;
  e.trunk[i] = trunkRadS ?? NaN;
  e.count++;
  if (e.count < n || ++e.sinceEvaluation < Math.round(e.options.everyS / e.periodS)) return null;
  e.sinceEvaluation = 0;
  const residualS = residualLagS(e);
  if (residualS === null) return null;
  e.estimated = true;
  const o = e.options;
  const h = e.history;
  h.push(e.lagS + residualS);
  e.count = 0; // the next estimate from a window that does not overlap this one: independent bends
  if (h.length > o.historySize) h.shift();
  let nextS: number;
  const hypothesis = e.stepHypothesisS;
  if (hypothesis !== null && --e.stepHypothesisTries <= 0) e.stepHypothesisS = null;
  const latest = h[h.length - 1]!;
  if (hypothesis !== null && Math.abs(latest - hypothesis) <= o.stepToleranceS) {
    nextS = latest; // a suspected clock step, confirmed
    h.splice(0, h.length - 1);
    e.stepHypothesisS = null;
  } else {
    if (h.length < o.minHistory) return null;
    nextS = median(h);
    if (median(h.map((x) => Math.abs(x - nextS))) > o.maxSpreadS) return null; // the bends disagree: no lag to be read from them
  }
  if (Math.abs(nextS - e.lagS) < o.deadbandS) {
    e.sigmaS = remainingSigmaS(e);
    return null;
  }
  e.lagS = nextS;
  e.sigmaS = remainingSigmaS(e);
  // The window was measured under the old correction: start a fresh one.
  e.count = 0;
  return e.lagS;
}

/**
 * One sensor's timestamps jumped by `jumpS` (a gap the other sensor did not have): if it was a clock
 * step, the lag has changed by that much (+ for the thoracic sensor, - for the sacrum's). Estimates in
 * the next few windows may confirm it.
 */
export function suggestLagStep(e: LagEstimator, jumpS: number): void {
  if (Math.abs(jumpS) > e.options.maxLagS) return;
  e.stepHypothesisS = e.lagS + jumpS;
  e.stepHypothesisTries = 5;
  e.count = 0; // windows from before the step would mix both alignments
}

/** A clock step known from the stream itself (see the header): the lag changes by jumpS at once. */
export function applyLagStep(e: LagEstimator, jumpS: number): number {
  e.lagS += jumpS;
  e.history.splice(0, e.history.length, e.lagS);
  e.stepHypothesisS = null;
  e.estimated = true;
  e.count = 0;
  return e.lagS;
}

/** See LagEstimator.sigmaS; at least the grid's resolution (a period, uniform: periodS / sqrt(12)). */
function remainingSigmaS(e: LagEstimator): number | null {
  const h = e.history;
  if (h.length < e.options.minHistory) return e.sigmaS;
  const m = median(h);
  const spreadS = (1.4826 * median(h.map((x) => Math.abs(x - m)))) / Math.sqrt(h.length);
  return Math.max(Math.hypot(m - e.lagS, spreadS), e.periodS / Math.sqrt(12));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Lag of the trunk signal behind the pelvis signal over the window, s (parabolic peak interpolation), or null. */
export function residualLagS(e: LagEstimator): number | null {
  const n = e.pelvis.length;
  const start = e.count % n; // oldest frame
  const p = new Float64Array(n), q = new Float64Array(n);
  let sp = 0, sq = 0, valid = 0;
  for (let k = 0; k < n; k++) {
    const a = e.pelvis[(start + k) % n]!, b = e.trunk[(start + k) % n]!;
    p[k] = a;
    q[k] = b;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    sp += a;
    sq += b;
    valid++;
  }
  if (valid < n / 2) return null;
  const mp = sp / valid, mq = sq / valid;
  let vp = 0, vq = 0;
  // Frames without a value (a gap) count as the mean: they add nothing to the correlation.
  for (let k = 0; k < n; k++) {
    const gap = Number.isNaN(p[k]!) || Number.isNaN(q[k]!);
    p[k] = gap ? 0 : p[k]! - mp;
    q[k] = gap ? 0 : q[k]! - mq;
    vp += p[k]! * p[k]!;
    vq += q[k]! * q[k]!;
  }
  const minVar = e.options.minStdRadS ** 2 * n;
  if (vp < minVar || vq < minVar) return null;
  const maxLag = Math.round(e.options.maxLagS / e.periodS);
  const corr = new Float64Array(2 * maxLag + 1);
  let best = 0;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    // c(lag) = sum p[k] q[k + lag]: peaks at lag > 0 when the trunk signal comes later.
    let c = 0;
    const from = Math.max(0, -lag), to = Math.min(n, n - lag);
    for (let k = from; k < to; k++) c += p[k]! * q[k + lag]!;
    corr[lag + maxLag] = c / Math.sqrt(vp * vq);
    if (corr[lag + maxLag]! > corr[best]!) best = lag + maxLag;
  }
  e.lastCorrelation = corr[best]!;
  if (corr[best]! < e.options.minCorrelation || best === 0 || best === 2 * maxLag) return null;
  const y0 = corr[best - 1]!, y1 = corr[best]!, y2 = corr[best + 1]!;
  const denom = y0 - 2 * y1 + y2;
  const offset = denom < 0 ? (0.5 * (y0 - y2)) / denom : 0;
  return (best - maxLag + offset) * e.periodS;
}
