// Per-sensor front end: turns one sensor's samples into "where is up, seen from the sensor" (unit
// vector, sensor frame) at each sample time, plus whether the sensor is still. Raw acc + gyr samples
// go through the orientation filter; devices that stream only their own quaternion are used as they
// are. Everything downstream needs only this gravity direction: it is what a 6D filter observes well,
// it does not depend on heading (so turning round or gyroscope heading drift do not matter), and it
// is independent of how the sensor was strapped on.
import type { SampleLine, Vec3 } from '@hinge/protocol';
import { createRespace, respaceTime, type RespaceState } from './respace';
import { createOrientationFilter, SPAN_LOG_SAMPLES, updateOrientation, type OrientationFilter } from '../fusion/orientation-filter';

export interface SegmentSample {
  t: number;
  /** Earth "up" seen in the sensor frame (unit vector). */
  upS: Vec3;
  /** Raw specific force, sensor frame, m/s^2 (null for quaternion-only devices). */
  accS: Vec3 | null;
  /** The sensor has been still for at least the rest time. */
  still: boolean;
  /** Angular speed, bias removed, rad/s (null for quaternion-only devices). */
  rateRadS: number | null;
  /** The gyroscope or accelerometer reading is clipped at the device's range (saturation.ts). */
  clipped: boolean;
  /** Inclination uncertainty left by bridged clipped spans since the last re-anchoring, deg (orientation-filter.ts). */
  bridgeSigmaDeg: number;
}

export interface SegmentTrackerOptions {
  /** Nominal rate, Hz, used until the real rate is known. */
  sampleRateHz: number;
  /** A sample arriving more than this after the previous one starts a gap, s. */
  maxGapS: number;
  /** Quaternion-only devices: how long "up" must stay within quatStillDeg of its short-term mean to count as still. */
  quatStillS: number;
  quatStillDeg: number;
}

export const DEFAULT_SEGMENT_OPTIONS: SegmentTrackerOptions = { sampleRateHz: 100, maxGapS: 0.25, quatStillS: 1.5, quatStillDeg: 0.5 };

export interface SegmentTracker {
  readonly options: SegmentTrackerOptions;
  filter: OrientationFilter | null;
  /** The last sample's stamp, s. */
  lastT: number;
  /** Stamps batched on arrival are re-spaced onto an even clock (respace.ts); the time the last acc + gyr sample was given, s. */
  readonly respace: RespaceState;
  lastSampleT: number;
  /** Samples since the start and the gaps seen (time without samples longer than maxGapS). */
  samples: number;
  gaps: number;
  /** Samples dropped as physically impossible. */
  rejected: number;
  /** The first RATE_INTERVALS sample intervals (gaps left out), to check the nominal rate against: how many, and their sum, s. */
  rateIntervals: number;
  rateSpanS: number;
  /** Quaternion-only still detection state. */
  quatStillSinceT: number;
  upMean: Vec3 | null;
  /**
   * Samples held back while a clipped span is open: their orientation is rebuilt when it closes
   * (orientation-filter.ts, rebuildSpans), and they are released with it. `holding`: the sample just
   * returned is one of them (not to be used yet).
   */
  readonly held: SegmentSample[];
  holding: boolean;
}

export function createSegmentTracker(options: Partial<SegmentTrackerOptions> = {}): SegmentTracker {
  return { options: { ...DEFAULT_SEGMENT_OPTIONS, ...options }, filter: null, lastT: -Infinity, respace: createRespace(), lastSampleT: -Infinity, samples: 0, gaps: 0, rejected: 0, rateIntervals: 0, rateSpanS: 0, quatStillSinceT: NaN, upMean: null, held: [], holding: false };
}

/**
 * Readings no body-worn IMU can produce (beyond any sensor's range: 35 rad/s is 2000 deg/s, 50 g): a
 * corrupted packet, not movement. Such samples are dropped and counted, so one of them cannot poison
 * the orientation for the rest of the session.
 */
const MAX_GYR_RAD_S = 100;
/**
 * Sample intervals that measure the real sample rate: samples counted over the time they span, not the
 * median interval. Devices send samples in packets (three to a MetaWear packed notification) without
 * timestamps, and a recorder that stamps them as they arrive writes each packet's samples a millisecond
 * apart and then nothing until the next packet: the median interval is then the 1 ms inside a packet, and
 * a filter tuned for 1000 Hz gets 100 samples a second, every time constant ten times too long (the
 * inclination correction then takes minutes to undo what a fast rep's gyroscope integration left).
 * 64 intervals span at least 20 packets of any device, so where a packet boundary falls changes the
 * rate by under 5 %.
 */
const RATE_INTERVALS = 64;
const MAX_ACC_MS2 = 500;
const DEG = 180 / Math.PI;

function implausible(v: readonly number[] | undefined, limit: number): boolean {
  return v !== undefined && !(Math.abs(v[0]!) <= limit && Math.abs(v[1]!) <= limit && Math.abs(v[2]!) <= limit);
}

/**
 * A clipped span is open (its samples are logged to be run again): the sample waits. It closed with
 * this sample: the held samples take the rebuilt orientation. A span longer than the log (no human
 * movement clips that long) releases its samples as they were.
 */
function holdOrRelease(tracker: SegmentTracker, f: OrientationFilter, segment: SegmentSample): void {
  const held = tracker.held;
  if (f.spanLogLength > 0 && f.spanLogLength <= SPAN_LOG_SAMPLES) {
    held.push(segment);
    tracker.holding = true;
    return;
  }
  if (held.length === 0 || f.rebuiltSamples !== held.length + 1) return;
  const u = f.spanUp;
  for (let k = 0; k < held.length; k++) {
    const h = held[k]!;
    h.upS = [u[3 * k]!, u[3 * k + 1]!, u[3 * k + 2]!];
    h.bridgeSigmaDeg = segment.bridgeSigmaDeg; // they carry the bridge just made
  }
}

/** The held samples released by the last updateSegment (or all of them at the end of the data), in time order; the list is emptied. */
export function takeHeld(tracker: SegmentTracker): SegmentSample[] {
  if (tracker.held.length === 0) return tracker.held;
  return tracker.held.splice(0);
}

/**
 * Processes one sample; returns the segment sample, or null when the sample carries no new time or is
 * implausible. While tracker.holding is set after the call, the sample is held (it joins tracker.held);
 * when it is clear, the held samples (if any) come before the returned one: see takeHeld.
 */
export function updateSegment(tracker: SegmentTracker, sample: SampleLine): SegmentSample | null {
  tracker.holding = false;
  const dtS = sample.t - tracker.lastT;
  if (!(dtS > 0)) return null; // duplicate or out-of-order sample
  if (implausible(sample.gyr, MAX_GYR_RAD_S) || implausible(sample.acc, MAX_ACC_MS2) || (sample.quat && !sample.quat.every(Number.isFinite))) {
    tracker.rejected++;
    return null;
  }
  const gap = dtS > tracker.options.maxGapS;
  if (gap && tracker.samples > 0) tracker.gaps++;
  tracker.lastT = sample.t;
  tracker.samples++;
  if (sample.acc && sample.gyr) {
    if (!gap && tracker.rateIntervals < RATE_INTERVALS) {
      tracker.rateIntervals++;
      tracker.rateSpanS += dtS;
      if (tracker.rateIntervals === RATE_INTERVALS) {
        // The header's nominal rate may be missing or wrong: the filter's time constants follow the real one.
        const rateHz = RATE_INTERVALS / tracker.rateSpanS;
        if (Math.abs(rateHz / tracker.options.sampleRateHz - 1) > 0.2) {
          tracker.options.sampleRateHz = rateHz;
          tracker.filter = null;
        }
      }
    }
    // Evenly stamped samples keep their stamps (and dtS); batched ones get the even clock's time.
    const t = respaceTime(tracker.respace, sample.t, dtS, gap, 1 / tracker.options.sampleRateHz);
    const stepS = t - tracker.lastSampleT;
    tracker.lastSampleT = t;
    if (!tracker.filter) {
      tracker.filter = createOrientationFilter({ sampleRateHz: tracker.options.sampleRateHz, maxGapS: tracker.options.maxGapS });
    }
    const f = tracker.filter;
    updateOrientation(f, sample.gyr, sample.acc, gap ? Infinity : stepS);
    // up_S = R^T z: third row of R(qInc * qGyr), computed from the filter's two quaternions.
    const w = f.iw * f.gw - f.ix * f.gx - f.iy * f.gy - f.iz * f.gz;
    const x = f.iw * f.gx + f.ix * f.gw + f.iy * f.gz - f.iz * f.gy;
    const y = f.iw * f.gy - f.ix * f.gz + f.iy * f.gw + f.iz * f.gx;
    const z = f.iw * f.gz + f.ix * f.gy - f.iy * f.gx + f.iz * f.gw;
    const upS: Vec3 = [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)];
    const g = sample.gyr;
    const rateRadS = Math.hypot(g[0]! - f.bx, g[1]! - f.by, g[2]! - f.bz);
    const segment: SegmentSample = { t, upS, accS: sample.acc, still: f.restDetected, rateRadS, clipped: f.gyrClipping || f.accClipping, bridgeSigmaDeg: Math.sqrt(f.bridgeVarRad2) * DEG };
    holdOrRelease(tracker, f, segment);
    return segment;
  }
  if (sample.quat) {
    const [w, x, y, z] = sample.quat;
    const n = Math.hypot(w, x, y, z) || 1;
    const a = w / n, b = x / n, c = y / n, d = z / n;
    const upS: Vec3 = [2 * (b * d - a * c), 2 * (c * d + a * b), 1 - 2 * (b * b + c * c)];
    // Still when "up" stays within quatStillDeg of its own short-term mean (0.5 s) for quatStillS:
    // comparing with a mean, not the previous sample, keeps the device's own jitter from breaking it.
    const alpha = gap || !tracker.upMean ? 1 : 1 - Math.exp(-dtS / 0.5);
    const m = tracker.upMean ?? upS;
    const mean: Vec3 = [m[0] + alpha * (upS[0] - m[0]), m[1] + alpha * (upS[1] - m[1]), m[2] + alpha * (upS[2] - m[2])];
    tracker.upMean = mean;
    const mn = Math.hypot(mean[0], mean[1], mean[2]) || 1;
    const cos = (mean[0] * upS[0] + mean[1] * upS[1] + mean[2] * upS[2]) / mn;
    const deviationDeg = (Math.acos(Math.min(1, cos)) * 180) / Math.PI;
    if (gap || deviationDeg > tracker.options.quatStillDeg) tracker.quatStillSinceT = sample.t;
    return { t: sample.t, upS, accS: sample.acc ?? null, still: sample.t - tracker.quatStillSinceT >= tracker.options.quatStillS, rateRadS: null, clipped: false, bridgeSigmaDeg: 0 };
  }
  return null;
}
