// Inter-sensor lag: how far the thoracic sensor's timestamps run behind the sacrum's. Two radios, two
// clocks: a constant offset of 35-40 ms between them is common, and a clock step (a device resetting
// its counter) can shift one stream by half a second. Lumbar flexion is the trunk angle minus the pelvis
// angle at the same instant, so a lag turns every bend's timing difference into a lumbar error.
//
// The trunk rides on the pelvis: every start, stop and turnaround of a bend, every heel strike, shows in
// both sensors' angular speed (|gyr - bias|: no calibration and no common axis needed, the same whatever
// the mounting) at the same instant. The lag is where the cross-correlation of the two signals peaks (the
// classic time-delay estimate: C. H. Knapp & G. C. Carter, "The generalized correlation method for
// estimation of time delay", IEEE Trans. ASSP 24(4), 1976). The slow shape of a bend is NOT shared: the
// lumbo-pelvic rhythm (the lumbar spine flexes first and unrolls last: M. A. Esola et al., Spine 21(1),
// 1996) moves the trunk's speed profile against the pelvis's by tens of ms, differently in every bend.
// So, in Knapp and Carter's sense, the signals are pre-filtered to weight the band where they are
// coherent: a central difference over +-diffS (a band-pass peaking near 1 / (4 diffS) = 6 Hz) keeps
// the rapid changes and drops the slow profile.
//
// Windows: the estimator sees the two signals on the common time grid, after the current correction.
// A window runs from one quiet moment (both segments slower than quietRadS) to the next, at least
// minWindowS long so that it holds whole bends (down and up: the lead of the trunk on the way down and
// its lag on the way up cancel), at most windowS; each stretch of movement is used once. A window in
// which both signals move adds its normalised cross-correlation function, placed at absolute lags
// (correction + residual), to a running sum. Summing correlation functions rather than voting with each
// window's peak makes one unusual window (a walk, a lone descent) harmless: its function is broad and
// low where the others agree. The sum picks the lobe (a band-passed signal's correlation has side lobes
// some 50 ms apart); within it, the median of the windows' own peaks places the lag (the sum's broad
// peak is slightly skewed). The first correction comes after minWindows windows (the first bend or two)
// once the summed peak is clear (minCorrelation), and every later window refines it.
// Honest confidence: sigmaS is the spread of the in-lobe window peaks (robust: 1.4826 MAD / sqrt(n),
// at least the grid's resolution, periodS / sqrt(12)) once there are sigmaWindows of them; before that
// it is null, the lag counts as unknown (lumbar-uncertainty.ts), though the correction is already
// applied (it is the best estimate there is).
// A gap in one sensor's timestamps that the other sensor does not share may be a clock step rather
// than a drop-out. When the samples kept arriving without a pause (the other sensor's samples did not
// fill the gap in arrival order), it is one: applyLagStep() takes it at once. Otherwise
// suggestLagStep() makes it a hypothesis, and the first window whose own peak agrees with it (within
// stepToleranceS) confirms it. Either way the sum starts afresh (it was measured at the old lag).

export interface LagOptions {
  /** Longest window, s: a movement from one quiet moment to the next must fit in it. */
  windowS: number;
  /** Shortest window, s: long enough to hold a whole bend (down and up), whose timing differences cancel. */
  minWindowS: number;
  /** Quiet: both segments' angular speed below this, rad/s. */
  quietRadS: number;
  /** Lags searched, +- s. */
  maxLagS: number;
  /** Both signals must move at least this much in the window (standard deviation of angular speed), rad/s. */
  minStdRadS: number;
  /** Pre-filter: central difference of the angular speed over +- this, s. */
  diffS: number;
  /** The summed correlation's peak (normalised, weighted mean over windows, 0-1) must reach this to be trusted. */
  minCorrelation: number;
  /** Changes of the correction smaller than this are left alone (below what the grid's interpolation resolves), s. */
  deadbandS: number;
  /** Windows summed before the first correction (one window may hold a single descent, which the lumbo-pelvic rhythm skews). */
  minWindows: number;
  /** Window peaks (within lobeS of the summed peak) needed before their median places the lag and their spread gives sigmaS. */
  sigmaWindows: number;
  lobeS: number;
  /** The latest window peaks kept for the spread. */
  peakHistory: number;
  /** A window peak within this of a suspected clock step confirms it, s. */
  stepToleranceS: number;
}

export const DEFAULT_LAG_OPTIONS: LagOptions = {
  windowS: 8,
  minWindowS: 4,
  quietRadS: 0.1,
  maxLagS: 0.7,
  minStdRadS: 0.15,
  diffS: 0.02,
  minCorrelation: 0.8,
  deadbandS: 0.002,
  minWindows: 2,
  sigmaWindows: 3,
  lobeS: 0.02,
  peakHistory: 15,
  stepToleranceS: 0.06,
};

export interface LagEstimator {
  readonly options: LagOptions;
  readonly periodS: number;
  /** Angular speeds of the last windowS (ring buffers, rad/s; NaN where a sensor had no value). */
  readonly pelvis: Float64Array;
  readonly trunk: Float64Array;
  /** Frames written (ring position = count % length). */
  count: number;
  /** Frames before this one have been used (or must not be: a clock step). */
  usedUntil: number;
  /** Current correction: thoracic timestamps run this much behind the sacrum's, s (subtract it from them). */
  lagS: number;
  /** Whether the lag has been estimated (or a clock step taken). */
  estimated: boolean;
  /** Weighted sum of the windows' normalised correlation functions at absolute lags -maxLag..maxLag grid periods, how many windows, and the sum of their weights. */
  readonly sumCorrelation: Float64Array;
  windows: number;
  sumWeight: number;
  /** The latest windows' own peaks (absolute lag), s, oldest first. */
  readonly peaks: number[];
  /** A suspected clock step: the lag it would make, s, and how many more windows may confirm it. */
  stepHypothesisS: number | null;
  stepHypothesisTries: number;
  /** Last window's normalised correlation peak, and the summed one's (observable, for tests and plots). */
  lastCorrelation: number;
  sumPeakCorrelation: number;
  /**
   * Standard deviation of the lag left after the correction, s (see the header); null while the lag is
   * unknown.
   */
  sigmaS: number | null;
}

export function createLagEstimator(periodS: number, options: Partial<LagOptions> = {}): LagEstimator {
  const o = { ...DEFAULT_LAG_OPTIONS, ...options };
  const n = Math.round(o.windowS / periodS);
  const maxLag = Math.round(o.maxLagS / periodS);
  return {
    options: o,
    periodS,
    pelvis: new Float64Array(n),
    trunk: new Float64Array(n),
    count: 0,
    usedUntil: 0,
    lagS: 0,
    estimated: false,
    sumCorrelation: new Float64Array(2 * maxLag + 1),
    windows: 0,
    sumWeight: 0,
    peaks: [],
    stepHypothesisS: null,
    stepHypothesisTries: 0,
    lastCorrelation: 0,
    sumPeakCorrelation: 0,
    sigmaS: null,
  };
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
  // A window is a movement from one quiet moment to the next: tried when the segments become quiet.
  if (!quiet(e, e.count - 1) || e.count < 2 || quiet(e, e.count - 2)) return null;
  const from = quietBefore(e);
  if (from === null || e.count - from < e.options.minWindowS / e.periodS) return null;
  const window = windowCorrelation(e, from);
  e.usedUntil = e.count; // each movement counts once
  if (window === null) return null;
  const o = e.options;
  const windowPeakS = peakLagS(window, e.periodS);
  const hypothesis = e.stepHypothesisS;
  if (hypothesis !== null && --e.stepHypothesisTries <= 0) e.stepHypothesisS = null;
  if (hypothesis !== null && windowPeakS !== null && Math.abs(e.lagS + windowPeakS - hypothesis) <= o.stepToleranceS) {
    restart(e); // a suspected clock step, confirmed: what was summed belongs to the old lag
    e.stepHypothesisS = null;
  }
  addWindow(e, window);
  if (windowPeakS !== null) {
    e.peaks.push(e.lagS + windowPeakS);
    if (e.peaks.length > o.peakHistory) e.peaks.shift();
  }
  const mean = e.sumCorrelation.map((c) => c / e.sumWeight);
  e.sumPeakCorrelation = mean[argMax(mean)]!;
  const summedS = peakLagS(mean, e.periodS);
  if (summedS === null || e.windows < o.minWindows || e.sumPeakCorrelation < o.minCorrelation) return null;
  // The sum picks the lobe; within it, the windows' own peaks (their median) place the lag more exactly
  // than the sum's broad, slightly skewed peak.
  const inLobe = e.peaks.filter((x) => Math.abs(x - summedS) <= o.lobeS);
  const estimateS = inLobe.length >= o.sigmaWindows ? median(inLobe) : summedS;
  e.estimated = true;
  e.sigmaS = inLobe.length >= o.sigmaWindows ? Math.max((1.4826 * median(inLobe.map((x) => Math.abs(x - estimateS)))) / Math.sqrt(inLobe.length), e.periodS / Math.sqrt(12)) : null;
  if (Math.abs(estimateS - e.lagS) < o.deadbandS) return null;
  e.lagS = estimateS;
  return e.lagS;
}

/**
 * One sensor's timestamps jumped by `jumpS` (a gap the other sensor did not have): if it was a clock
 * step, the lag has changed by that much (+ for the thoracic sensor, - for the sacrum's). Windows in
 * the next few evaluations may confirm it.
 */
export function suggestLagStep(e: LagEstimator, jumpS: number): void {
  if (Math.abs(jumpS) > e.options.maxLagS) return;
  e.stepHypothesisS = e.lagS + jumpS;
  e.stepHypothesisTries = 5;
  e.usedUntil = e.count; // windows from before the step would mix both alignments
}

/** A clock step known from the stream itself (see the header): the lag changes by jumpS at once. */
export function applyLagStep(e: LagEstimator, jumpS: number): number {
  e.lagS += jumpS;
  restart(e);
  e.stepHypothesisS = null;
  e.estimated = true;
  return e.lagS;
}

/** Both segments turned slower than quietRadS at frame k (a frame without a value is not quiet). */
function quiet(e: LagEstimator, k: number): boolean {
  const n = e.pelvis.length;
  return e.pelvis[k % n]! < e.options.quietRadS && e.trunk[k % n]! < e.options.quietRadS;
}

/**
 * The first frame of the window that ends now: the earliest quiet frame in the ring not used yet
 * (usedUntil). Null when there is none: the movement began before the ring (a long walk, say).
 */
function quietBefore(e: LagEstimator): number | null {
  const n = e.pelvis.length;
  const newest = e.count - 1;
  for (let k = Math.max(e.count - n, e.usedUntil); k < newest; k++) if (quiet(e, k)) return k;
  return null;
}

/** Forgets what was summed (measured at another lag); the correction stays. */
function restart(e: LagEstimator): void {
  e.sumCorrelation.fill(0);
  e.windows = 0;
  e.sumWeight = 0;
  e.peaks.length = 0;
  e.sigmaS = null;
  e.usedUntil = e.count;
}

/**
 * Adds a window's correlation function (residual lags under the current correction) at absolute lags,
 * interpolated, weighted by its coherence: rho^2 / (1 - rho^2) of its own peak rho (capped at 0.99), the
 * maximum-likelihood weighting of Knapp and Carter (and Hannan and Thomson) applied per window. A window
 * whose signals hardly match at any lag (a walk, an odd movement) says little about the lag, and its
 * function, strongly negative at some lags, must not move the sum to a side lobe.
 */
function addWindow(e: LagEstimator, correlation: Float64Array): void {
  const rho = Math.min(0.99, Math.max(0, e.lastCorrelation));
  const weight = (rho * rho) / (1 - rho * rho);
  const shift = e.lagS / e.periodS; // absolute lag = residual + shift, in grid periods (both arrays are indexed from -maxLag)
  for (let j = 0; j < e.sumCorrelation.length; j++) {
    const r = j - shift; // index into `correlation`
    const k = Math.floor(r);
    if (k < 0 || k + 1 >= correlation.length) continue;
    const u = r - k;
    e.sumCorrelation[j] = e.sumCorrelation[j]! + weight * (correlation[k]! * (1 - u) + correlation[k + 1]! * u);
  }
  e.windows++;
  e.sumWeight += weight;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function argMax(values: Float64Array): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

/** Lag at the peak of a correlation function over -maxLag..maxLag periods, s (parabolic interpolation); null at the edge of the range. */
function peakLagS(correlation: Float64Array, periodS: number): number | null {
  const best = argMax(correlation);
  const maxLag = (correlation.length - 1) / 2;
  if (best === 0 || best === correlation.length - 1) return null;
  const y0 = correlation[best - 1]!, y1 = correlation[best]!, y2 = correlation[best + 1]!;
  const denom = y0 - 2 * y1 + y2;
  const offset = denom < 0 ? (0.5 * (y0 - y2)) / denom : 0;
  return (best - maxLag + offset) * periodS;
}

/**
 * The normalised cross-correlation of the pre-filtered angular speeds over the window from frame `from`
 * to the newest, at residual lags -maxLag..maxLag periods (c[lag] peaks at lag > 0 when the trunk signal comes later), or null when
 * either signal did not move enough or too much of the window is missing.
 */
export function windowCorrelation(e: LagEstimator, from: number): Float64Array | null {
  const ring = e.pelvis.length;
  const n = e.count - from;
  const rawP = new Float64Array(n), rawQ = new Float64Array(n);
  // Sums and sums of squares of the raw speeds, for the movement test.
  let valid = 0, sumP = 0, sumPP = 0, sumQ = 0, sumQQ = 0;
  for (let k = 0; k < n; k++) {
    const a = e.pelvis[(from + k) % ring]!, b = e.trunk[(from + k) % ring]!;
    rawP[k] = a;
    rawQ[k] = b;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    sumP += a;
    sumPP += a * a;
    sumQ += b;
    sumQQ += b * b;
    valid++;
  }
  if (valid < n / 2) return null;
  const minVar = e.options.minStdRadS ** 2;
  if (sumPP / valid - (sumP / valid) ** 2 < minVar || sumQQ / valid - (sumQ / valid) ** 2 < minVar) return null;
  // Pre-filter (central difference); a difference across a missing frame is a gap (0: adds nothing).
  const d = Math.max(1, Math.round(e.options.diffS / e.periodS));
  const p = new Float64Array(n), q = new Float64Array(n);
  let vp = 0, vq = 0;
  for (let k = d; k < n - d; k++) {
    const dp = rawP[k + d]! - rawP[k - d]!, dq = rawQ[k + d]! - rawQ[k - d]!;
    const gap = Number.isNaN(dp) || Number.isNaN(dq);
    p[k] = gap ? 0 : dp;
    q[k] = gap ? 0 : dq;
    vp += p[k]! * p[k]!;
    vq += q[k]! * q[k]!;
  }
  if (!(vp > 0 && vq > 0)) return null;
  const maxLag = Math.round(e.options.maxLagS / e.periodS);
  const correlation = new Float64Array(2 * maxLag + 1);
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    // c(lag) = sum p[k] q[k + lag]
    let c = 0;
    const from = Math.max(0, -lag), to = Math.min(n, n - lag);
    for (let k = from; k < to; k++) c += p[k]! * q[k + lag]!;
    correlation[lag + maxLag] = c / Math.sqrt(vp * vq);
  }
  e.lastCorrelation = correlation[argMax(correlation)]!;
  return correlation;
}
