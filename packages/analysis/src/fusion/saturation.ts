// Gyroscope saturation: a reading held at the device's full-scale range is not the rate, only a lower
// bound of it. Integrating it loses the rotation beyond the range, the orientation lags the body by
// that much, and the inclination correction (and, through it, the bias estimate) then spends seconds
// taking the error back. This module detects clipped spans and estimates what they lost.
//
// Range: a setting when the device's configuration is known (the MetaMotion default is +-250 deg/s);
// otherwise learnt from the readings: a digital sensor saturates at one exact value, so a largest
// |reading| that recurs exactly (within gyrPlateauTolRadS) on three samples is the range. Smooth
// movement with sensor noise almost never repeats its maximum exactly.
//
// Bridge: the rate over a clipped span is taken as the cubic Hermite curve through its two crossings of
// the range, with the slopes the signal had just before and just after the span (least-squares lines
// through the three samples on each side: on simulated ballistic reps with soft-tissue wobble they
// estimate the missed rotation with 1.3 deg RMS against 1.9 for two-sample secants; minimum-jerk human
// movement has a smooth, nearly parabolic rate peak: T. Flash & N. Hogan, J Neurosci 1985). The area of
// that curve above the range, D^2 (s_in - s_out) / 12 for a span of D seconds, is the rotation the
// clipped reading missed; the filter adds it about the clipped axis when the span ends.

export interface SaturationState {
  /** Full-scale range, rad/s (Infinity until known; the same code serves the accelerometer in m/s^2). */
  rangeRadS: number;
  /** Smallest plateau taken for a range. */
  readonly minRange: number;
  /** Largest |reading| seen, and how many samples have repeated it (range learning). */
  peakRadS: number;
  peakHits: number;
  /** Where the current peak was first reached: axis, sign, and the entry crossing and slope it would have as a span. */
  peakAxis: number;
  peakSign: number;
  peakStartS: number;
  peakSlopeIn: number;
  /** The previous sample was at the peak. */
  peakPrevHit: boolean;
  /**
   * The last HISTORY readings per axis (entry slopes), rad/s: a ring, axis-major (HISTORY slots per
   * axis); the reading of the sample `k` ago is at slot (samples - k) & (HISTORY - 1).
   */
  readonly history: Float64Array;
  /** Samples stepped (the ring's write position). */
  samples: number;
  /** Per axis: samples seen since a span's exit (its exit slope needs three). */
  readonly exitCount: Int8Array;
  /** Per axis: in a clipped span (+1 / -1 its sign, 0 none), its entry crossing time, entry slope, and the first sample after it. */
  readonly spanSign: Int8Array;
  readonly spanStartS: Float64Array;
  readonly spanSlopeIn: Float64Array;
  readonly exitValue: Float64Array;
  readonly exitTimeS: Float64Array;
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

/** Readings kept per axis (a power of two, at least the 3 the entry slope looks back). */
const HISTORY = 4;

/** A clipped span: its axis and sign, where it crossed the range (s, filter time) and the slopes there. */
export interface ClosedSpan {
  axis: number;
  sign: number;
  startS: number;
  endS: number;
  slopeIn: number;
  slopeOut: number;
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
    peakSlopeIn: 0,
    peakPrevHit: false,
    history: new Float64Array(3 * HISTORY),
    samples: 0,
    exitCount: new Int8Array(3),
    spanSign: new Int8Array(3),
    spanStartS: new Float64Array(3),
    spanSlopeIn: new Float64Array(3),
    exitValue: new Float64Array(3),
    exitTimeS: new Float64Array(3),
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
    const sign = (axis === 0 ? gx : axis === 1 ? gy : gz) > 0 ? 1 : -1;
    const u1 = sign * previous(s, axis, 1);
    s.peakAxis = axis;
    s.peakSign = sign;
    s.peakSlopeIn = entrySlope(s, axis, sign, dtS);
    s.peakStartS = s.timeS - dtS + Math.min(dtS, Math.max(0, (m - u1) / s.peakSlopeIn));
  } else if (hit) {
    s.peakHits++;
  }
  s.peakPrevHit = above || hit;
  if (hit && m >= s.minRange && s.peakHits >= PLATEAU_HITS) {
    s.rangeRadS = s.peakRadS;
    const axis = s.peakAxis;
    s.spanSign[axis] = s.peakSign;
    s.spanSlopeIn[axis] = s.peakSlopeIn;
    s.spanStartS[axis] = s.peakStartS;
    s.exitCount[axis] = 0;
  }
}

/** The reading on `axis` `ago` samples before the current one (1 to HISTORY - 1), rad/s. */
function previous(s: SaturationState, axis: number, ago: number): number {
  return s.history[HISTORY * axis + ((s.samples - ago) & (HISTORY - 1))]!;
}

/** Slope of the least-squares line through the three samples before this one (in the direction of `sign`), rad/s^2. */
function entrySlope(s: SaturationState, axis: number, sign: number, dtS: number): number {
  return Math.max((sign * (previous(s, axis, 1) - previous(s, axis, 3))) / (2 * dtS), 1e-6);
}

/** Keeps this sample's readings in the ring and moves it on. */
function remember(s: SaturationState, gx: number, gy: number, gz: number): void {
  const slot = s.samples & (HISTORY - 1);
  const h = s.history;
  h[slot] = gx;
  h[HISTORY + slot] = gy;
  h[2 * HISTORY + slot] = gz;
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

/** stepSaturation where a reading is near the range or a span is open: learning, entries and exits. */
function stepNearRange(s: SaturationState, gx: number, gy: number, gz: number, dtS: number, out: Float64Array): number {
  if (s.rangeRadS === Infinity) learnRange(s, gx, gy, gz, dtS);
  const th = s.rangeRadS * CLIP_FRACTION;
  let clipping = false;
  let bridged = false;
  out[0] = out[1] = out[2] = 0;
  for (let axis = 0; axis < 3; axis++) {
    const v = axis === 0 ? gx : axis === 1 ? gy : gz;
    const sign = v >= th ? 1 : v <= -th ? -1 : 0;
    if (sign !== 0) {
      clipping = true;
      if (s.spanSign[axis] === 0) {
        // Entry: the crossing of the range, extrapolated along the slope of the last two samples.
        const u1 = sign * previous(s, axis, 1);
        const slope = entrySlope(s, axis, sign, dtS);
        const range = s.rangeRadS;
        s.spanSign[axis] = sign;
        s.spanSlopeIn[axis] = slope;
        s.spanStartS[axis] = s.timeS - dtS + Math.min(dtS, Math.max(0, (range - u1) / slope));
      }
      s.exitCount[axis] = 0;
    } else if (s.spanSign[axis] !== 0) {
      // Leaving: wait for the third sample to measure the exit slope.
      const count = ++s.exitCount[axis]!;
      if (count === 1) {
        s.exitValue[axis] = v;
        s.exitTimeS[axis] = s.timeS;
      } else if (count === 3) {
        const sg = s.spanSign[axis]!;
        const range = s.rangeRadS;
        const u1 = sg * s.exitValue[axis]!;
        const slopeOut = Math.min((sg * v - u1) / (2 * dtS), -1e-6);
        // exit crossing: back along the exit slope from the first sample after the span to the range
        const endS = s.exitTimeS[axis]! - Math.min(dtS, Math.max(0, (range - u1) / -slopeOut));
        const spanS = Math.max(0, endS - s.spanStartS[axis]!);
        out[axis] = (sg * spanS * spanS * (s.spanSlopeIn[axis]! - slopeOut)) / 12;
        s.closed.push({ axis, sign: sg, startS: s.spanStartS[axis]!, endS: s.spanStartS[axis]! + spanS, slopeIn: s.spanSlopeIn[axis]!, slopeOut });
        s.spanSign[axis] = 0;
        s.bridgedSpans++;
        bridged = true;
      }
    }
  }
  remember(s, gx, gy, gz);
  if (clipping) s.clippedSamples++;
  return (clipping ? CLIPPING : 0) | (bridged ? BRIDGED : 0);
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

/** Whether a clipped span is open (or waiting for its exit slope) on any axis. */
export function inSpan(s: SaturationState): boolean {
  return s.spanSign[0] !== 0 || s.spanSign[1] !== 0 || s.spanSign[2] !== 0;
}

/**
 * The rate on `axis` at filter time tS, rebuilt over the closed spans: the cubic Hermite curve from the
 * range with the entry slope to the range with the exit slope, where it lies beyond the reading.
 */
export function bridgedRate(s: SaturationState, axis: number, tS: number, reading: number): number {
  for (const span of s.closed) {
    if (span.axis !== axis || tS <= span.startS || tS >= span.endS) continue;
    const d = span.endS - span.startS;
    const x = (tS - span.startS) / d;
    const hermite = s.rangeRadS + d * (span.slopeIn * (x * x * x - 2 * x * x + x) + span.slopeOut * (x * x * x - x * x));
    return span.sign * Math.max(span.sign * reading, hermite);
  }
  return reading;
}
