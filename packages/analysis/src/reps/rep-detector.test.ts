// The rep detector on synthetic body-frame streams: movements the simulator's rep steps cannot express
// (the chest coming up while the hips stay down, a sensor that reads 21 deg while the person stands).
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../settings';
import type { BodyFrame } from '../body/body-angles';
import { createRepDetector, finishReps, updateReps } from './rep-detector';
import { repTiming, sacrumSinkM, type RepTrace } from './rep-metrics';

const RATE_HZ = 100;
const minimumJerk = (u: number) => (u <= 0 ? 0 : u >= 1 ? 1 : u * u * u * (10 + u * (-15 + 6 * u)));

/** A piecewise minimum-jerk path through (time s, value) knots. */
function path(knots: [number, number][]): (t: number) => number {
  return (t) => {
    if (t <= knots[0]![0]) return knots[0]![1];
    for (let i = 1; i < knots.length; i++) {
      const [t0, v0] = knots[i - 1]!, [t1, v1] = knots[i]!;
      if (t <= t1) return v0 + (v1 - v0) * minimumJerk((t - t0) / (t1 - t0 || 1));
    }
    return knots[knots.length - 1]![1];
  };
}

/**
 * Frames at 100 Hz from trunk, pelvis and sacrum-sink paths; the vertical acceleration is the sink's
 * second derivative (+ = up), `still` follows the fusion's rule (no movement for 1.5 s) unless overridden.
 */
function frames(endS: number, trunk: (t: number) => number, pelvis: (t: number) => number, sinkM: (t: number) => number, still?: (t: number) => boolean): BodyFrame[] {
  const out: BodyFrame[] = [];
  const h = 1e-3;
  let movingUntil = 0;
  for (let k = 0; k <= endS * RATE_HZ; k++) {
    const t = k / RATE_HZ;
    const acc = -(sinkM(t + h) - 2 * sinkM(t) + sinkM(t - h)) / (h * h);
    const rate = Math.abs(trunk(t + h) - trunk(t - h)) / (2 * h);
    if (rate > 0.5 || Math.abs(acc) > 0.05) movingUntil = t;
    out.push({
      t,
      trunkDeg: trunk(t),
      pelvisDeg: pelvis(t),
      lumbarDeg: trunk(t) - pelvis(t),
      trunkSideDeg: 0,
      still: still ? still(t) : t - movingUntil >= 1.5,
      sacrumVertAccMS2: acc,
    });
  }
  return out;
}

function detect(stream: BodyFrame[]) {
  const d = createRepDetector(DEFAULT_SETTINGS);
  for (const f of stream) updateReps(d, f);
  const warnings = finishReps(d);
  return { reps: d.reps, warnings };
}

describe('class 6: a pause at the bottom of a deep crouch', () => {
  it('the chest coming up while the hips stay down for 3 s does not end the rep; its ascent is the real one', () => {
    // Down 1.8 s (trunk 45, hips 45 cm), chest up to 15 deg, hold 3 s, up 1.8 s.
    const trunk = path([[2, 0], [3.8, 45], [4.6, 15], [7.6, 15], [9.4, 0]]);
    const pelvis = path([[2, 0], [3.8, 30], [4.6, 22], [7.6, 22], [9.4, 0]]);
    const sink = path([[2, 0], [3.8, 0.45], [7.6, 0.45], [9.4, 0]]);
    const { reps } = detect(frames(13, trunk, pelvis, sink));
    expect(reps).toHaveLength(1);
    const rep = reps[0]!;
    expect(rep.end).toBeGreaterThan(9);
    expect(rep.faults).not.toContain('too-fast');
    expect(rep.faults).toContain('knee-dominant');
  });
});

describe('class 4: a shifted sensor', () => {
  it('standing reads 21 deg (the thoracic sensor moved): a bend is one rep, and it ends within seconds, not half a minute', () => {
    // Calibrated standing at 0, then the sensor shifts: the trunk reads 21 deg while the person stands
    // (pelvis 0). Sway keeps the fusion from ever calling the body still.
    const sway = (t: number) => 0.6 * Math.sin(2 * Math.PI * 0.3 * t);
    const trunk = (t: number) => path([[3, 0], [4, 21], [10, 21], [11.8, 75], [12.2, 75], [14, 21]])(t) + sway(t);
    const pelvis = (t: number) => path([[10, 0], [11.8, 55], [12.2, 55], [14, 0]])(t) + sway(t);
    const { reps } = detect(frames(50, trunk, pelvis, () => 0, (t) => t < 2.5));
    expect(reps).toHaveLength(1);
    expect(reps[0]!.end - reps[0]!.start).toBeLessThan(8);
    expect(reps[0]!.bottom).toBeGreaterThan(11.5);
  });
});

describe('class 5: the peak of a rep is its own', () => {
  it('history kept before a rep that still holds an earlier 64 deg bend does not lend it its peak', () => {
    const trunk = path([[0, 0], [1.5, 64], [3, 8], [3.3, 8], [4.8, 30], [6.3, 0]]);
    const t = Array.from({ length: 701 }, (_, i) => i / RATE_HZ);
    const signal = t.map(trunk);
    // The rep opened (crossed its candidate threshold) at 3.9 s; its history goes back to 0 s.
    const openIdx = t.findIndex((x) => x >= 3.9);
    const timing = repTiming(t, signal, 0, 2, openIdx)!;
    expect(signal[t.indexOf(timing.bottom)]).toBeCloseTo(30, 0);
    expect(timing.start).toBeGreaterThan(3);
  });
});

describe('class 2: the sink is measured only between two moments at rest', () => {
  it('a window that ends while walking on (vertical velocity not zero) gives no sink, rather than a wrong one', () => {
    // A 10 cm dip, then walking: a 2 cm vertical bounce at 2 Hz, cut mid-stride.
    const sink = (t: number) => path([[0.5, 0], [1.5, 0.1], [2.5, 0]])(t) + (t > 3 ? 0.02 * Math.sin(2 * Math.PI * 2 * (t - 3)) * Math.min(1, t - 3) : 0);
    const stream = frames(5.1, () => 0, () => 0, sink);
    const trace: RepTrace = {
      t: stream.map((f) => f.t),
      trunkDeg: stream.map((f) => f.trunkDeg),
      pelvisDeg: stream.map((f) => f.pelvisDeg),
      lumbarDeg: stream.map((f) => f.lumbarDeg),
      sacrumVertAccMS2: stream.map((f) => f.sacrumVertAccMS2),
    };
    expect(sacrumSinkM(trace, 0.3, 2.8)).toBeCloseTo(0.1, 2);
    // Ending mid-stride, 0.25 m/s upwards: a zero-velocity correction would smear that over the window.
    expect(sacrumSinkM(trace, 0.3, 5.07)).toBeNull();
  });
});

describe('class 1: squats with a little forward lean', () => {
  // A still stand (the calibration), then one squat: the first rep after calibration.
  const stillUntil = (s: number) => (t: number) => t < s;

  it('a 0.20 m squat leaning 18 deg with a quiet second at the bottom is one rep (its bottom is not "back at the start")', () => {
    // Trunk 18 deg and pelvis 16 deg stay short of the trunk path's 20 deg; the sacrum sinks 0.20 m.
    const trunk = path([[2, 0], [4, 18], [5, 18], [6.5, 0]]);
    const pelvis = path([[2, 0], [4, 16], [5, 16], [6.5, 0]]);
    const sink = path([[2, 0], [4, 0.2], [5, 0.2], [6.5, 0]]);
    const { reps } = detect(frames(10, trunk, pelvis, sink, stillUntil(1.9)));
    expect(reps).toHaveLength(1);
    expect(reps[0]!.sacrumDropM).toBeGreaterThan(0.17);
    expect(reps[0]!.faults).toContain('knee-dominant');
  });

  it('a slow squat (0.22 m in 3.5 s, 17 deg lean) is measured from rest before the quiet test noticed it', () => {
    // Peak vertical acceleration 5.77 * 0.22 / 3.5^2 = 0.10 m/s^2, under the quiet threshold: only the
    // trunk's speed ends the quiet, about 0.5 s after the squat began.
    const trunk = path([[2, 0], [5.5, 17], [6, 17], [8.5, 0]]);
    const pelvis = path([[2, 0], [5.5, 16], [6, 16], [8.5, 0]]);
    const sink = path([[2, 0], [5.5, 0.22], [6, 0.22], [8.5, 0]]);
    const { reps } = detect(frames(12, trunk, pelvis, sink, stillUntil(1.9)));
    expect(reps).toHaveLength(1);
    // The end is flagged quiet early too (the last 0.5 s of the rise is as slow): a few cm short.
    expect(reps[0]!.sacrumDropM).toBeGreaterThan(0.16);
  });

  it('a slow squat whose lean is done early (trunk 9 deg by 1.2 s, the hips sink 0.22 m over 3.2 s) is not measured from its middle', () => {
    // Once the trunk holds, the descent's acceleration (under 0.12 m/s^2) reads quiet half-way down, where
    // the sacrum sinks at 10 cm/s: taken as a rest, that moment loses most of the sink and the rep.
    const trunk = path([[2, 0], [3.2, 9], [7.8, 9], [9, 0]]);
    const pelvis = path([[2, 0], [3.2, 9], [7.8, 9], [9, 0]]);
    const sink = path([[2, 0], [5.2, 0.22], [5.5, 0.22], [9, 0]]);
    const { reps } = detect(frames(13, trunk, pelvis, sink, stillUntil(1.9)));
    expect(reps).toHaveLength(1);
    expect(reps[0]!.sacrumDropM).toBeGreaterThan(0.17);
  });

  it('a squat 0.6 s after a jolt (a turn ending: 0.6 m/s^2) is measured from the stand between them', () => {
    // Only the last 0.2 s count for the quiet test: the stand reads quiet 0.2 s after the jolt, not 0.5 s.
    const jolt = (t: number) => (t > 4 && t < 4.5 ? 0.6 * Math.sin(2 * Math.PI * 4 * (t - 4)) : 0);
    const trunk = path([[5.1, 0], [6.3, 13], [6.6, 13], [7.8, 0]]);
    const pelvis = path([[5.1, 0], [6.3, 14], [6.6, 14], [7.8, 0]]);
    const squat = path([[5.1, 0], [6.3, 0.3], [6.6, 0.3], [7.8, 0]]);
    const stream = frames(11, trunk, pelvis, squat, stillUntil(1.9)).map((f) => ({ ...f, sacrumVertAccMS2: f.sacrumVertAccMS2! + jolt(f.t) }));
    const { reps } = detect(stream);
    expect(reps).toHaveLength(1);
    expect(reps[0]!.sacrumDropM).toBeGreaterThan(0.25);
  });

  it('a 0.19 m squat whose sink estimate does not come back (a 1.5 deg error of "up" on the way down only) is still timed and counted', () => {
    // An error of the up direction that differs between the way down and the way up (1.5 deg reads
    // 0.25 m/s^2 of gravity as vertical acceleration): the two-sided estimate comes back only part way,
    // within the tolerance of being back (0.2 m), but short of half its depth, and the ascent read 0 s.
    const trunk = path([[2, 0], [4, 14], [4.5, 14], [6.5, 0]]);
    const pelvis = path([[2, 0], [4, 16], [4.5, 16], [6.5, 0]]);
    const sink = path([[2, 0], [4, 0.19], [4.5, 0.19], [6.5, 0]]);
    const upError = (t: number) => (t < 4.25 ? (0.25 * pelvis(t)) / 16 : 0);
    const stream = frames(10, trunk, pelvis, sink, stillUntil(1.9)).map((f) => ({ ...f, sacrumVertAccMS2: f.sacrumVertAccMS2! - upError(f.t) }));
    const { reps } = detect(stream);
    expect(reps).toHaveLength(1);
    expect(reps[0]!.ascentS).toBeGreaterThan(1);
  });

  it('a quiet second part way down (0.06 m, trunk 12 deg) does not end the squat', () => {
    const trunk = path([[2, 0], [3, 12], [4, 12], [5, 17], [5.5, 17], [7, 0]]);
    const pelvis = path([[2, 0], [3, 9], [4, 9], [5, 15], [5.5, 15], [7, 0]]);
    const sink = path([[2, 0], [3, 0.06], [4, 0.06], [5, 0.22], [5.5, 0.22], [7, 0]]);
    const { reps } = detect(frames(10, trunk, pelvis, sink, stillUntil(1.9)));
    expect(reps).toHaveLength(1);
  });
});

describe('sitting down and standing up are not reps', () => {
  it('a short sit (1.2 s seated, pelvis rolled back 7 deg) with 38 deg of lean at seat-off and seat-on counts nothing', () => {
    const trunk = path([[2, 0], [3, 38], [4, 0], [5.2, 0], [6.2, 38], [7.2, 0]]);
    const pelvis = path([[2, 0], [3, 20], [4, -7], [5.2, -7], [6.2, 20], [7.2, 0]]);
    const sink = path([[2, 0], [4, 0.42], [5.2, 0.42], [7.2, 0]]);
    const { reps } = detect(frames(11, trunk, pelvis, sink, (t) => t < 1.9));
    expect(reps).toHaveLength(0);
  });
});

describe('class 2: stairs are not a seat', () => {
  it('going down six stairs, standing 2 s, then a squat leaning 14 deg: the squat is a rep (the person did not sit)', () => {
    // Down 0.9 m in 3.5 s, the pelvis bobbing 2 cm per step at 1.6 Hz (heel strikes of about 2 m/s^2),
    // then a quiet stand below where the candidate's rest was, the trunk upright: once taken for sitting.
    const stepping = path([[3, 0], [3.3, 1], [6.2, 1], [6.5, 0]]);
    const stairs = (t: number) => path([[3, 0], [6.5, 0.9]])(t) + stepping(t) * 0.02 * (1 - Math.cos(2 * Math.PI * 1.6 * (t - 3)));
    const squat = path([[9, 0], [10.5, 0.25], [10.8, 0.25], [12.3, 0]]);
    const sink = (t: number) => stairs(t) + squat(t);
    const trunk = (t: number) => stepping(t) * 3 * Math.sin(2 * Math.PI * 1.6 * (t - 3)) + path([[9, 0], [10.5, 14], [10.8, 14], [12.3, 0]])(t);
    const pelvis = (t: number) => stepping(t) * 2 * Math.sin(2 * Math.PI * 1.6 * (t - 3)) + path([[9, 0], [10.5, 13], [10.8, 13], [12.3, 0]])(t);
    const { reps } = detect(frames(15, trunk, pelvis, sink, (t) => t < 2.9));
    expect(reps).toHaveLength(1);
    expect(reps[0]!.bottom).toBeGreaterThan(10);
  });
});

describe('sitting down straight after a few steps', () => {
  it('two steps of a turn, then sitting down (its landing a third upward peak), the pelvis rolled back 11 deg: no rep', () => {
    // Three upward peaks since the stand: no height to judge by; the seat is told by the rolled-back pelvis.
    const stepping = path([[3.3, 0], [3.4, 1], [4, 1], [4.2, 0]]);
    const steps = (t: number) => stepping(t) * 0.02 * (1 - Math.cos(2 * Math.PI * 1.8 * (t - 3)));
    const trunk = path([[4.3, 0], [5, 32], [5.8, 0]]);
    const pelvis = path([[4.3, 0], [5, 15], [5.8, -11]]);
    const sink = (t: number) => steps(t) + path([[4.3, 0], [5.8, 0.5]])(t);
    const { reps } = detect(frames(14, trunk, pelvis, sink, (t) => t < 2.9));
    expect(reps).toHaveLength(0);
  });
});

describe('class 2: walking is not a rep', () => {
  it('walking off after a set (heel strikes at 1.9 Hz, a 0.15 m height error from tilt leakage) counts nothing', () => {
    // The pelvis bobs 4 cm per step (heel strikes of about 2.5 m/s^2); orientation errors while walking
    // leak horizontal acceleration into the vertical: here a slow 0.15 m dip and back in the height.
    const walking = path([[3, 0], [3.5, 1], [6.5, 1], [7, 0]]);
    const sink = (t: number) => path([[3, 0], [5, 0.15], [7, 0]])(t) + walking(t) * 0.02 * (1 - Math.cos(2 * Math.PI * 1.9 * (t - 3)));
    const trunk = (t: number) => walking(t) * (4 + 2 * Math.sin(2 * Math.PI * 1.9 * (t - 3)));
    const pelvis = (t: number) => walking(t) * (3 + 2 * Math.sin(2 * Math.PI * 1.9 * (t - 3)));
    const { reps } = detect(frames(11, trunk, pelvis, sink, (t) => t < 2.9));
    expect(reps).toHaveLength(0);
  });
});
