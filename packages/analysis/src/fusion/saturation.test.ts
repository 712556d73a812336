import { describe, expect, it } from 'vitest';
import type { Quat, Vec3 } from '@hinge/protocol';
import { createOrientationFilter, getOrientation, updateOrientation, type OrientationFilter } from './orientation-filter';
import { createSaturationState, stepSaturation } from './saturation';
import { conjugate, fromAxisAngle, inclinationErrorDeg, multiply, normalize, rotate } from '../math/quaternion';

const DEG = Math.PI / 180;
const G = 9.81;
const DT = 0.01;
const mj = (u: number) => (u <= 0 ? 0 : u >= 1 ? 1 : u * u * u * (10 + u * (-15 + 6 * u)));

/**
 * Ballistic bends about a tilted sensor axis: 4 s standing, then `reps` times 90 deg down in 0.4 s and
 * back up in 0.4 s (peak 420 deg/s), 0.3 s apart, then standing. The gyroscope reads at most +-rangeDegS per axis.
 */
function run(f: OrientationFilter, rangeDegS: number, reps = 2): { maxErrAfterDeg: number; finalErrDeg: number } {
  const axis: Vec3 = [0.3, 0.9, 0.2];
  const n = Math.hypot(...axis);
  const u: Vec3 = [axis[0] / n, axis[1] / n, axis[2] / n];
  const mount = fromAxisAngle([1, 0, 0], 20 * DEG);
  const angle = (t: number) => {
    let a = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = 4 + r * 1.1;
      a += 90 * DEG * (mj((t - t0) / 0.4) - mj((t - t0 - 0.4) / 0.4));
    }
    return a;
  };
  const range = rangeDegS * DEG;
  let maxErrAfterDeg = 0;
  let finalErrDeg = 0;
  const end = 4 + reps * 1.1;
  for (let k = 0; k < 2000; k++) {
    const t = k * DT;
    const q: Quat = normalize(multiply(mount, fromAxisAngle(u, angle(t))));
    const w = (angle(t + 1e-4) - angle(t - 1e-4)) / 2e-4;
    const gyr = [u[0] * w, u[1] * w, u[2] * w].map((x) => Math.max(-range, Math.min(range, x + 0.002)));
    const acc = rotate(conjugate(q), [0, 0, G]);
    updateOrientation(f, gyr, acc, DT);
    const err = inclinationErrorDeg(getOrientation(f), q);
    if (t > end) maxErrAfterDeg = Math.max(maxErrAfterDeg, err);
    finalErrDeg = err;
  }
  return { maxErrAfterDeg, finalErrDeg };
}

describe('gyroscope saturation', () => {
  it('an unclipped gyroscope keeps the inclination through ballistic bends (the reference)', () => {
    expect(run(createOrientationFilter({ sampleRateHz: 100 }), 2000).maxErrAfterDeg).toBeLessThan(0.5);
  });

  it('learns the range from the plateau and bridges the clipped spans: the error after the bends stays small', () => {
    const f = createOrientationFilter({ sampleRateHz: 100 });
    const r = run(f, 250);
    expect(f.gyrSaturation.rangeRadS).toBeCloseTo(250 * DEG, 4);
    expect(f.gyrSaturation.bridgedSpans).toBeGreaterThanOrEqual(4);
    expect(r.maxErrAfterDeg).toBeLessThan(1.5);
  });

  it('with the range given as a setting, the same', () => {
    const f = createOrientationFilter({ sampleRateHz: 100, gyrRangeRadS: 250 * DEG });
    expect(run(f, 250).maxErrAfterDeg).toBeLessThan(1.5);
  });

  it('does not take a smooth, noisy peak for a range', () => {
    const f = createOrientationFilter({ sampleRateHz: 100 });
    run(f, 2000);
    expect(f.gyrSaturation.rangeRadS).toBe(Infinity);
    expect(f.gyrSaturation.clippedSamples).toBe(0);
  });
});

describe('range learning', () => {
  it('the span a learnt range opens is the plateau that taught it, not an earlier touch of the peak with the other sign', () => {
    const s = createSaturationState();
    const out = new Float64Array(3);
    const range = 250 * DEG;
    const rate = (t: number) => {
      // one sample just reaching +range at 1 s, then a plateau at -range from 3.0 to 3.1 s
      if (Math.abs(t - 1) < 0.005) return range;
      const x = -range * 1.3 * Math.sin(Math.PI * Math.min(1, Math.max(0, (t - 2.8) / 0.5)));
      return Math.max(-range, x);
    };
    for (let k = 1; k < 400; k++) stepSaturation(s, [0, rate(k * DT), 0], DT, out);
    expect(s.rangeRadS).toBeCloseTo(range, 6);
    expect(s.closed.length).toBe(1);
    expect(s.closed[0]!.sign).toBe(-1);
    expect(s.closed[0]!.startS).toBeGreaterThan(2.8);
  });
});
