// The time grid against absurd times (issue #17): one sample far in the future must not make the grid
// emit a frame every 10 ms up to it (a sample at t = 5e5 s in a one-minute recording ran `hinge
// analyze` out of memory at 4 GB after five minutes).
import { describe, expect, it } from 'vitest';
import type { SegmentSample } from './segment-tracker';
import { createTimeGrid, drainFrames, MAX_EMPTY_SPAN_S, pushSegmentSample, setLaneShift, type GridFrame } from './time-grid';

const sample = (t: number): SegmentSample => ({ t, upS: [0, 0, 1], accS: [0, 0, 9.81], still: true, rateRadS: 0, clipped: false, bridgeSigmaDeg: 0 });

/** Both sensors at 100 Hz for `seconds`, then `extra` samples of one sensor; every frame drained. */
function run(seconds: number, extra: { segment: 'pelvis' | 'trunk'; t: number }[]): GridFrame[] {
  const grid = createTimeGrid();
  const frames: GridFrame[] = [];
  for (let i = 0; i <= seconds * 100; i++) {
    pushSegmentSample(grid, 'pelvis', sample(i / 100));
    pushSegmentSample(grid, 'trunk', sample(i / 100));
    frames.push(...drainFrames(grid));
  }
  for (const e of extra) {
    pushSegmentSample(grid, e.segment, sample(e.t));
    frames.push(...drainFrames(grid));
  }
  frames.push(...drainFrames(grid, true));
  return frames;
}

describe('time grid and absurd times', () => {
  it('one sample 5e5 s ahead: the frames up to it that no sensor has data for are skipped, not emitted', () => {
    const frames = run(10, [{ segment: 'pelvis', t: 5e5 }]);
    expect(frames.length).toBeLessThan(1001 + MAX_EMPTY_SPAN_S * 100 + 10);
    expect(frames.slice(0, 1001).every((f) => f.pelvis && f.trunk)).toBe(true);
    expect(frames[frames.length - 1]!.t).toBe(5e5);
  });

  it('a gap of both sensors shorter than MAX_EMPTY_SPAN_S keeps its empty frames (gaps stay visible)', () => {
    const frames = run(2, [
      { segment: 'pelvis', t: 2 + MAX_EMPTY_SPAN_S / 2 },
      { segment: 'trunk', t: 2 + MAX_EMPTY_SPAN_S / 2 },
    ]);
    expect(frames.length).toBe(201 + (MAX_EMPTY_SPAN_S / 2) * 100);
    expect(frames.filter((f) => !f.pelvis && !f.trunk).length).toBe((MAX_EMPTY_SPAN_S / 2) * 100 - 1);
  });
});

describe('time grid and a lag correction', () => {
  /** A sample whose up direction tilts with its stamp (x / z = t / 100), so where it landed on the grid shows in the frame values. */
  const tilted = (t: number): SegmentSample => ({ ...sample(t), upS: [t / 100, 0, 1] });
  /** The stamp a frame's trunk value was read at (interpolation keeps x / z linear in time). */
  const stampOf = (f: GridFrame) => (100 * f.trunk!.upS[0]) / f.trunk!.upS[2];

  it('a shift moves the samples not yet on the grid with it; the samples given stay as they were', () => {
    const grid = createTimeGrid();
    const trunk = Array.from({ length: 2001 }, (_, i) => tilted(i / 100 + 0.005));
    const frames: GridFrame[] = [];
    for (let i = 0; i <= 2000; i++) {
      if (i === 1000) setLaneShift(grid, 'trunk', 0.035); // the thoracic clock runs 35 ms behind from here
      pushSegmentSample(grid, 'pelvis', sample(i / 100));
      pushSegmentSample(grid, 'trunk', trunk[i]!);
      frames.push(...drainFrames(grid));
    }
    frames.push(...drainFrames(grid, true));
    // Every trunk sample still carries its own stamp: the grid keeps its shifted times beside them.
    expect(trunk.every((s, i) => s.t === i / 100 + 0.005)).toBe(true);
    const at = (t: number) => frames.find((f) => Math.abs(f.t - t) < 1e-9)!;
    // Before the shift a frame at t reads the trunk at its stamp t; long after it (many samples later), at t + 35 ms.
    expect(stampOf(at(5))).toBeCloseTo(5, 9);
    expect(stampOf(at(15))).toBeCloseTo(15.035, 9);
    expect(stampOf(at(19.5))).toBeCloseTo(19.535, 9);
  });
});
