// Puts the two sensors on one common time base. Their samples arrive unaligned, jittered and with
// drop-outs; the grid emits a frame every periodS (100 Hz by default) with each sensor's values
// interpolated linearly between its two neighbouring samples. Where a sensor has no samples on both
// sides within maxInterpGapS, its values are null: gaps stay gaps, nothing is invented.
// A frame is emitted as soon as both sensors have reached its time, or a sensor has fallen more than
// waitS (1 s) behind the other (it is then missing for that frame). Radio links deliver in batches, so
// one sensor's lines may arrive a few hundred ms after the other's; only a sensor that has really gone
// silent delays frames, and then by waitS.
import type { Vec3 } from '@hinge/protocol';
import type { SegmentSample } from './segment-tracker';

export type SegmentName = 'pelvis' | 'trunk';

export interface SegmentAtTime {
  upS: Vec3;
  accS: Vec3 | null;
  still: boolean;
  /** Angular speed, rad/s (null when the device does not send its gyroscope). */
  rateRadS: number | null;
  /** A reading next to this time was clipped at the device's range. */
  clipped: boolean;
  /** Inclination uncertainty left by bridged clipped spans, deg (the larger of the two neighbours). */
  bridgeSigmaDeg: number;
}

export interface GridFrame {
  t: number;
  pelvis: SegmentAtTime | null;
  trunk: SegmentAtTime | null;
}

export interface TimeGridOptions {
  periodS: number;
  maxInterpGapS: number;
  waitS: number;
}

/**
 * A span without data from either sensor longer than this, s, is skipped: the grid moves on to the next
 * sample instead of emitting an empty frame every periodS. Shorter gaps keep their empty frames. One
 * absurd time (a sample at t = 5e5 in a one-minute recording) would otherwise cost 5e7 frames.
 */
export const MAX_EMPTY_SPAN_S = 60;

export const DEFAULT_GRID_OPTIONS: TimeGridOptions = { periodS: 0.01, maxInterpGapS: 0.12, waitS: 1.0 };

/** Samples the grid has passed are dropped from a lane once this many have gathered (one splice, not one per frame). */
const DROP_PASSED = 64;

interface Lane {
  /** The sensor's samples, oldest first; those before `first` have been passed by the grid. */
  samples: SegmentSample[];
  /**
   * Their times on the grid, s: each sample's stamp minus the lane's shiftS, moved with every later shift.
   * Kept beside the samples, so a shift costs no copy of them.
   */
  times: number[];
  /** Index of the oldest sample still needed: the last one at or before the next frame's time. */
  first: number;
  latestT: number;
  /** Subtracted from this sensor's timestamps: the lag of its clock behind the other's, s (lag-estimator.ts). */
  shiftS: number;
}

export interface TimeGrid {
  readonly options: TimeGridOptions;
  readonly lanes: Record<SegmentName, Lane>;
  /** Index of the next frame to emit (frame time = index * periodS), or NaN before the first sample. */
  nextIndex: number;
}

function createLane(): Lane {
  return { samples: [], times: [], first: 0, latestT: -Infinity, shiftS: 0 };
}

export function createTimeGrid(options: Partial<TimeGridOptions> = {}): TimeGrid {
  return {
    options: { ...DEFAULT_GRID_OPTIONS, ...options },
    lanes: { pelvis: createLane(), trunk: createLane() },
    nextIndex: NaN,
  };
}

export function pushSegmentSample(grid: TimeGrid, segment: SegmentName, segmentSample: SegmentSample): void {
  const lane = grid.lanes[segment];
  const t = segmentSample.t - lane.shiftS;
  if (t <= lane.latestT) return; // only right after a larger correction: those instants are already on the grid
  lane.samples.push(segmentSample);
  lane.times.push(t);
  lane.latestT = t;
  if (Number.isNaN(grid.nextIndex)) grid.nextIndex = Math.ceil(t / grid.options.periodS - 1e-9);
}

/**
 * Sets the lag correction of a lane: its samples not yet on the grid move with it, so the stream stays
 * continuous (frames already emitted stay as they were).
 */
export function setLaneShift(grid: TimeGrid, segment: SegmentName, shiftS: number): void {
  const lane = grid.lanes[segment];
  const deltaS = shiftS - lane.shiftS;
  lane.shiftS = shiftS;
  for (let i = lane.first; i < lane.times.length; i++) lane.times[i] = lane.times[i]! - deltaS;
  lane.latestT -= deltaS;
}

function lerp3(a: Vec3, b: Vec3, u: number): Vec3 {
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
}

function valueAt(lane: Lane, t: number, maxGapS: number): SegmentAtTime | null {
  const { samples, times } = lane;
  // Pass samples no longer needed: keep the last one at or before t.
  let k = lane.first;
  while (k + 1 < times.length && times[k + 1]! <= t) k++;
  if (k >= DROP_PASSED) {
    samples.splice(0, k);
    times.splice(0, k);
    k = 0;
  }
  lane.first = k;
  const a = samples[k], aT = times[k]!;
  if (!a || aT > t) return null;
  if (aT === t) return { upS: a.upS, accS: a.accS, still: a.still, rateRadS: a.rateRadS, clipped: a.clipped, bridgeSigmaDeg: a.bridgeSigmaDeg };
  const b = samples[k + 1], bT = times[k + 1]!;
  if (!b || bT - aT > maxGapS) return null;
  const u = (t - aT) / (bT - aT);
  const up = lerp3(a.upS, b.upS, u);
  const n = Math.hypot(up[0], up[1], up[2]) || 1;
  return {
    upS: [up[0] / n, up[1] / n, up[2] / n],
    accS: a.accS && b.accS ? lerp3(a.accS, b.accS, u) : null,
    still: a.still && b.still,
    rateRadS: a.rateRadS !== null && b.rateRadS !== null ? a.rateRadS + (b.rateRadS - a.rateRadS) * u : null,
    clipped: a.clipped || b.clipped,
    bridgeSigmaDeg: Math.max(a.bridgeSigmaDeg, b.bridgeSigmaDeg),
  };
}

/** Emits every frame that can be decided now. With `final`, emits up to the last sample of any sensor. */
export function drainFrames(grid: TimeGrid, final = false): GridFrame[] {
  const frames: GridFrame[] = [];
  if (Number.isNaN(grid.nextIndex)) return frames;
  const { periodS, maxInterpGapS, waitS } = grid.options;
  const { pelvis, trunk } = grid.lanes;
  const newest = Math.max(pelvis.latestT, trunk.latestT);
  for (;;) {
    const t = grid.nextIndex * periodS;
    if (t > newest + 1e-9) break;
    const ready = (lane: Lane) => final || lane.latestT >= t || newest >= t + waitS;
    if (!ready(pelvis) || !ready(trunk)) break;
    const frame: GridFrame = { t: Math.round(t * 1e6) / 1e6, pelvis: valueAt(pelvis, t, maxInterpGapS), trunk: valueAt(trunk, t, maxInterpGapS) };
    frames.push(frame);
    grid.nextIndex++;
    if (!frame.pelvis && !frame.trunk) {
      const nextT = Math.min(nextSampleT(pelvis, t), nextSampleT(trunk, t));
      if (nextT - t > MAX_EMPTY_SPAN_S && Number.isFinite(nextT)) grid.nextIndex = Math.ceil(nextT / periodS - 1e-9);
    }
  }
  return frames;
}

/** The time of a lane's first sample after t (valueAt has passed those before), or Infinity. */
function nextSampleT(lane: Lane, t: number): number {
  for (let i = lane.first; i < lane.times.length; i++) if (lane.times[i]! > t) return lane.times[i]!;
  return Infinity;
}
