// Gyroscope saturation: a reading held at the device's full-scale range is not the rate, only a lower
// bound of it. Integrating it loses the rotation beyond the range, the orientation lags the body by
// that much, and the inclination correction (and, through it, the bias estimate) then spends seconds
// taking the error back. This module detects clipped spans and estimates what they lost.
//
// Range: a setting when the device's configuration is known (the MetaMotion default is +-250 deg/s);
// otherwise learnt from the readings: a digital sensor saturates at one exact value, so a largest
// |reading| that recurs exactly (within PLATEAU_TOL_RAD_S) on three samples is the range. Smooth
// movement with sensor noise almost never repeats its maximum exactly.
//
// Bridge: the rate over a clipped span is rebuilt as the least-squares quartic through the unclipped
// readings of that axis in the FIT_WINDOW_S before and after the span. A quick, rest-to-rest human
// movement has a bell-shaped rate whose minimum-jerk form is exactly a quartic in time (T. Flash &
// N. Hogan, J Neurosci 5 (1985) 1688-1703), so the curve through both flanks also runs through the
// clipped top. Fitting over a window as long as one period of soft-tissue wobble (8-15 Hz: 67-125 ms;
// the wobble rings right after the sharp stops and starts of a quick rep) averages the wobble out; a
// bridge drawn from the slopes of two or three samples at each side takes the wobble's rate slope
// (A (2 pi f)^2: thousands of deg/s^2, as much as the movement's) for the movement's and missed the
// rotation by up to 7 deg on simulated ballistic reps (docs/analysis.md, "Gyroscope clipping"). With fewer than QUARTIC_MIN_POINTS readings (low
// sample rates) the fit is a parabola. The filter runs the span again with the rebuilt rate when it has
// closed (FIT_WINDOW_S after its last clipped reading).

export interface SaturationState {
  /** Full-scale range, rad/s (Infinity until known; the same code serves the accelerometer in m/s^2). */
  rangeRadS: number;
  /** Smallest plateau taken for a range. */
  readonly minRange: number;
  /** Largest |reading| seen, and how many samples have repeated it (range learning). */
  peakRadS: number;
  peakHits: number;
  /** Where the current peak was first reached: axis, sign, and the time of the sample before it (the span it would open starts there), s. */
  peakAxis: number;
  peakSign: number;
  peakStartS: number;
  /** The previous sample was at the peak. */
  peakPrevHit: boolean;
  /**
   * The last HISTORY readings per axis, rad/s, and their times, s: a ring, axis-major (HISTORY slots
   * per axis); the sample `k` ago is at slot (samples - k) & (HISTORY - 1).
   */
  readonly history: Float64Array;
  readonly historyTimeS: Float64Array;
  /** Samples stepped (the ring's write position). */
  samples: number;
  /** Per axis: in a clipped span (+1 / -1 its sign, 0 none), and the time of the last unclipped sample before it, s. */
  readonly spanSign: Int8Array;
  readonly spanStartS: Float64Array;
  /** Per axis: time of the first unclipped sample after the span, s (NaN while the span is still clipped). */
  readonly exitS: Float64Array;
  /**
   * Per axis: the least-squares sums of the span's fit (FIT_SUMS each: sum of tau^k for k = 0..8, then
   * sum of y tau^k for k = 0..4, with tau = (t - spanStartS) / FIT_WINDOW_S and y = sign * reading).
   */
  readonly fitSums: Float64Array;
  /** Per axis: how many of the fitted readings are from before the span. */
  readonly pointsBefore: Float64Array;
  /** Sample time inside the filter (sum of dt), s. */
  timeS: number;
  /** Spans closed since the caller last cleared this list (the rate over each is rebuilt by bridgedRate). */
  readonly closed: ClosedSpan[];
  /** Samples with any axis clipped, and the spans bridged. */
  clippedSamples: number;
  bridgedSpans: number;
}

/** |reading| within this of the learnt peak counts as the same plateau, rad/s (a few LSB of a 16-bit 2000 deg/s sensor). */
const PLATEAU_TOL_RAD_S = 2e-5;
/** No IMU's gyroscope range is under 125 deg/s: a smaller repeated peak is not a range. */
const MIN_RANGE_RAD_S = 2.0;
/** Samples repeating the peak before it counts as the range. */
const PLATEAU_HITS = 3;
/** A reading within this fraction of the range is clipped. */
const CLIP_FRACTION = 0.999;
/**
 * The bridge is fitted to the readings this long before and after a clipped span, s: one period of the
 * slowest soft-tissue wobble (8 Hz), and short against a quick rep's movement (0.4-0.8 s).
 */
export const FIT_WINDOW_S = 0.12;
/** Readings kept per axis (a power of two): FIT_WINDOW_S at up to 256 Hz. */
const HISTORY = 32;
/** Fewer fitted readings than this (or under 4 on a side): a parabola instead of a quartic (5 coefficients need a margin over 5 points). */
const QUARTIC_MIN_POINTS = 10;
const FIT_SUMS = 14;

/** A clipped span: its axis and sign, the unclipped samples around it (s, filter time), and its rebuilt rate. */
export interface ClosedSpan {
  axis: number;
  sign: number;
  startS: number;
  endS: number;
  /** sign * rate = sum of coefficients[k] * tau^k, tau = (t - startS) / FIT_WINDOW_S; rad/s. */
  coefficients: number[];
}

export function createSaturationState(rangeRadS = Infinity, minRange = MIN_RANGE_RAD_S): SaturationState {
  return {
    rangeRadS,
    minRange,
    peakRadS: 0,
    peakHits: 0,
    peakAxis: 0,
    peakSign: 0,
    peakStartS: 0,
    peakPrevHit: false,
    history: new Float64Array(3 * HISTORY),
    historyTimeS: new Float64Array(HISTORY),
    samples: 0,
    spanSign: new Int8Array(3),
    spanStartS: new Float64Array(3),
    exitS: new Float64Array(3).fill(NaN),
    fitSums: new Float64Array(3 * FIT_SUMS),
    pointsBefore: new Float64Array(3),
    timeS: 0,
    closed: [],
    clippedSamples: 0,
    bridgedSpans: 0,
  };
}

/**
 * Learns the range from a repeated exact peak (cheap: one max and two compares per sample). When it is
 * learnt in the middle of a clipped span, that span is opened where the peak was first reached.
 */
function learnRange(s: SaturationState, gx: number, gy: number, gz: number, dtS: number): void {
  const ax = Math.abs(gx), ay = Math.abs(gy), az = Math.abs(gz);
  const m = Math.max(ax, ay, az);
  const above = m > s.peakRadS + PLATEAU_TOL_RAD_S;
  const hit = !above && m >= s.peakRadS - PLATEAU_TOL_RAD_S;
  if (above || (hit && !s.peakPrevHit)) {
    // A new peak, or the known one reached again after a dip: a plateau may start here (the span a
    // learnt range opens is this plateau, not an earlier one on another axis or with the other sign).
    if (above) {
      s.peakRadS = m;
      s.peakHits = 0;
    }
    s.peakHits++;
    const axis = m === ax ? 0 : m === ay ? 1 : 2;
    s.peakAxis = axis;
    s.peakSign = (axis === 0 ? gx : axis === 1 ? gy : gz) > 0 ? 1 : -1;
    s.peakStartS = s.timeS - dtS;
  } else if (hit) {
    s.peakHits++;
  }
  s.peakPrevHit = above || hit;
  if (hit && m >= s.minRange && s.peakHits >= PLATEAU_HITS) {
    s.rangeRadS = s.peakRadS;
    openSpan(s, s.peakAxis, s.peakSign, s.peakStartS);
  }
}

/** Opens a span on `axis`: its fit starts with the unclipped readings of the last FIT_WINDOW_S before startS. */
function openSpan(s: SaturationState, axis: number, sign: number, startS: number): void {
  s.spanSign[axis] = sign;
  s.spanStartS[axis] = startS;
  s.exitS[axis] = NaN;
  s.fitSums.fill(0, FIT_SUMS * axis, FIT_SUMS * (axis + 1));
  const th = s.rangeRadS * CLIP_FRACTION;
  const n = Math.min(s.samples, HISTORY);
  for (let k = 1; k <= n; k++) {
    const slot = (s.samples - k) & (HISTORY - 1);
    const tS = s.historyTimeS[slot]!;
    if (tS < startS - FIT_WINDOW_S) break;
    const v = s.history[HISTORY * axis + slot]!;
    if (Math.abs(v) < th && tS <= startS) addToFit(s, axis, tS, sign * v);
  }
  s.pointsBefore[axis] = s.fitSums[FIT_SUMS * axis]!;
}

/**
 * One reading (y = sign * rate, rad/s, at time tS) into the span's least-squares sums. Only readings
 * turning the way the span does belong to its movement: before a quick rep's descent reverses into its
 * ascent (or the body stops), the rate passes through zero, and the other movement's bell is not this one's.
 */
function addToFit(s: SaturationState, axis: number, tS: number, y: number): void {
  if (!(y > 0)) return;
  const sums = s.fitSums;
  const o = FIT_SUMS * axis;
  const tau = (tS - s.spanStartS[axis]!) / FIT_WINDOW_S;
  let p = 1;
  for (let k = 0; k <= 8; k++) {
    sums[o + k] = sums[o + k]! + p;
    if (k <= 4) sums[o + 9 + k] = sums[o + 9 + k]! + y * p;
    p *= tau;
  }
}

/** Keeps this sample's readings in the ring and moves it on. */
function remember(s: SaturationState, gx: number, gy: number, gz: number): void {
  const slot = s.samples & (HISTORY - 1);
  const h = s.history;
  h[slot] = gx;
  h[HISTORY + slot] = gy;
  h[2 * HISTORY + slot] = gz;
  s.historyTimeS[slot] = s.timeS;
  s.samples++;
}

/** stepSaturation's result bits. */
export const CLIPPING = 1;
export const BRIDGED = 2;

/**
 * One sample of raw readings (the range applies to the raw reading, bias included). Returns CLIPPING
 * when any axis is clipped now, plus BRIDGED when a clipped span has just been closed: `out` then holds
 * the rotation (sensor-frame rotation vector, rad) that its clipped readings missed.
 */
export function stepSaturation(s: SaturationState, gyr: ArrayLike<number>, dtS: number, out: Float64Array): number {
  s.timeS += dtS;
  const gx = gyr[0]!, gy = gyr[1]!, gz = gyr[2]!;
  // The common case, kept cheap: no span open, and every reading below both the clip threshold and (while
  // the range is unknown) the learnt peak, so neither learning nor clipping has anything to do.
  const m = Math.max(Math.abs(gx), Math.abs(gy), Math.abs(gz));
  const learning = s.rangeRadS === Infinity;
  if (m < (learning ? s.peakRadS - PLATEAU_TOL_RAD_S : s.rangeRadS * CLIP_FRACTION) && !inSpan(s)) {
    s.peakPrevHit = false;
    remember(s, gx, gy, gz);
    return 0;
  }
  return stepNearRange(s, gx, gy, gz, dtS, out);
}

/** stepSaturation where a reading is near the range or a span is open: learning, entries, fits and exits. */
function stepNearRange(s: SaturationState, gx: number, gy: number, gz: number, dtS: number, out: Float64Array): number {
  if (s.rangeRadS === Infinity) learnRange(s, gx, gy, gz, dtS);
  const th = s.rangeRadS * CLIP_FRACTION;
  let clipping = false;
  let bridged = false;
  out[0] = out[1] = out[2] = 0;
  for (let axis = 0; axis < 3; axis++) {
    const v = axis === 0 ? gx : axis === 1 ? gy : gz;
    const sign = v >= th ? 1 : v <= -th ? -1 : 0;
    const open = s.spanSign[axis]!;
    if (sign !== 0) {
      clipping = true;
      if (open !== sign || !Number.isNaN(s.exitS[axis]!)) {
        // A new span. Clipped again while the last one's after-window was filling: that one closes with what it has.
        if (open !== 0) {
          out[axis] = closeSpan(s, axis);
          bridged = true;
        }
        openSpan(s, axis, sign, s.timeS - dtS);
      }
    } else if (open !== 0) {
      // After the span: its unclipped readings join the fit until FIT_WINDOW_S has passed.
      if (Number.isNaN(s.exitS[axis]!)) s.exitS[axis] = s.timeS;
      addToFit(s, axis, s.timeS, open * v);
      if (s.timeS - s.exitS[axis]! >= FIT_WINDOW_S - 1e-9) {
        out[axis] = closeSpan(s, axis);
        bridged = true;
      }
    }
  }
  remember(s, gx, gy, gz);
  if (clipping) s.clippedSamples++;
  return (clipping ? CLIPPING : 0) | (bridged ? BRIDGED : 0);
}

/**
 * Closes the span on `axis`: solves its fit, keeps it in `closed`, and returns the rotation its clipped
 * readings missed about that axis (rad; the rebuilt rate above the range, integrated over the span).
 */
function closeSpan(s: SaturationState, axis: number): number {
  const sign = s.spanSign[axis]!;
  const startS = s.spanStartS[axis]!;
  const endS = Number.isNaN(s.exitS[axis]!) ? s.timeS : s.exitS[axis]!;
  s.spanSign[axis] = 0;
  s.exitS[axis] = NaN;
  s.bridgedSpans++;
  const o = FIT_SUMS * axis;
  const points = s.fitSums[o]!;
  const before = s.pointsBefore[axis]!;
  // Both flanks must be there (a curve through one side only is an extrapolation, not a bridge).
  const n = before < 2 || points - before < 2 ? 0 : points >= QUARTIC_MIN_POINTS && before >= 4 && points - before >= 4 ? 5 : 3;
  const coefficients = solveFit(s.fitSums.subarray(o, o + FIT_SUMS), n);
  s.closed.push({ axis, sign, startS, endS, coefficients });
  // The missed rotation: the rebuilt rate above the range, by the midpoint rule on 32 steps.
  const steps = 32;
  const h = (endS - startS) / steps;
  let missed = 0;
  for (let i = 0; i < steps; i++) missed += Math.max(0, fitValue(coefficients, (h * (i + 0.5)) / FIT_WINDOW_S) - s.rangeRadS) * h;
  return sign * missed;
}

/** Least-squares polynomial of n coefficients from the sums (normal equations, Gaussian elimination); [] when it has none. */
function solveFit(sums: Float64Array, n: number): number[] {
  if (n === 0) return [];
  // A[r][c] = sum tau^(r+c), b[r] = sum y tau^r
  const a: number[][] = [];
  for (let r = 0; r < n; r++) {
    const row: number[] = [];
    for (let c = 0; c < n; c++) row.push(sums[r + c]!);
    row.push(sums[9 + r]!);
    a.push(row);
  }
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const d = a[c]![c]!;
    if (!(Math.abs(d) > 1e-12)) return [];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = a[r]![c]! / d;
      for (let j = c; j <= n; j++) a[r]![j] = a[r]![j]! - k * a[c]![j]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

function fitValue(coefficients: readonly number[], tau: number): number {
  let y = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) y = y * tau + coefficients[k]!;
  return y;
}

/**
 * Clipping alone, for a sensor whose clipped spans are not bridged (the accelerometer): whether any
 * reading is at the range now; learns the range as stepSaturation does.
 */
export function stepClipping(s: SaturationState, reading: ArrayLike<number>): boolean {
  const m = Math.max(Math.abs(reading[0]!), Math.abs(reading[1]!), Math.abs(reading[2]!));
  if (s.rangeRadS === Infinity) {
    if (m < s.peakRadS - PLATEAU_TOL_RAD_S) return false;
    const above = m > s.peakRadS + PLATEAU_TOL_RAD_S;
    if (above) {
      s.peakRadS = m;
      s.peakHits = 0;
    }
    s.peakHits++;
    if (!above && m >= s.minRange && s.peakHits >= PLATEAU_HITS) s.rangeRadS = s.peakRadS;
  }
  if (!(m >= s.rangeRadS * CLIP_FRACTION)) return false;
  s.clippedSamples++;
  return true;
}

/** Whether a clipped span is open (or its after-window still filling) on any axis. */
export function inSpan(s: SaturationState): boolean {
  return s.spanSign[0] !== 0 || s.spanSign[1] !== 0 || s.spanSign[2] !== 0;
}

/**
 * The rate on `axis` at filter time tS, rebuilt over the closed spans: the fitted curve where it lies
 * beyond the reading (never less than the reading, which is a lower bound).
 */
export function bridgedRate(s: SaturationState, axis: number, tS: number, reading: number): number {
  for (const span of s.closed) {
    if (span.axis !== axis || tS <= span.startS || tS >= span.endS) continue;
    return span.sign * Math.max(span.sign * reading, fitValue(span.coefficients, (tS - span.startS) / FIT_WINDOW_S));
  }
  return reading;
}
