import { describe, expect, it } from 'vitest';
import type { Quat, Vec3 } from '@hinge/protocol';
import { createOrientationFilter, getOrientation, updateOrientation, type OrientationFilter } from './orientation-filter';
import { createSaturationState, stepSaturation } from './saturation';
import { conjugate, fromAxisAngle, inclinationErrorDeg, multiply, normalize, rotate, toRotationVector } from '../math/quaternion';

const DEG = Math.PI / 180;
const G = 9.81;
const DT = 0.01;
const mj = (u: number) => (u <= 0 ? 0 : u >= 1 ? 1 : u * u * u * (10 + u * (-15 + 6 * u)));

/**
 * Ballistic bends about a tilted sensor axis: 4 s standing, then `reps` times 90 deg down in 0.4 s and
 * back up in 0.4 s (peak 420 deg/s), 0.3 s apart, then standing. The gyroscope reads at most +-rangeDegS per axis.
 */
function run(f: OrientationFilter, rangeDegS: number, reps = 2, wobble?: Wobble): { maxErrAfterDeg: number; finalErrDeg: number; maxStandingErrDeg: number } {
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
  // Soft tissue rings after the sharp stops at the bottom and at the top, about its own axis.
  const wobbleAngle = (t: number) => {
    let a = 0;
    if (wobble) for (let r = 0; r < reps; r++) for (const kick of [4.4 + r * 1.1, 4.8 + r * 1.1]) a += wobbleRad(wobble, t - kick);
    return a;
  };
  // perpendicular to the bend axis: u x z, normalised
  const pn = Math.hypot(u[1], u[0]);
  const c = wobble?.alongBend ?? 1;
  const wobbleAxis: Vec3 = [c * u[0] + Math.sqrt(1 - c * c) * (u[1] / pn), c * u[1] - Math.sqrt(1 - c * c) * (u[0] / pn), c * u[2]];
  const sensor = (t: number): Quat => {
    const q = multiply(mount, fromAxisAngle(u, angle(t)));
    return wobble ? multiply(q, fromAxisAngle(wobbleAxis, wobbleAngle(t))) : q;
  };
  const range = rangeDegS * DEG;
  let maxErrAfterDeg = 0;
  let maxStandingErrDeg = 0;
  let finalErrDeg = 0;
  const noise = gaussian(7);
  const end = 4 + reps * 1.1;
  for (let k = 0; k < 2000; k++) {
    const t = k * DT;
    const q: Quat = normalize(sensor(t));
    const turn = toRotationVector(multiply(conjugate(sensor(t - 1e-4)), sensor(t + 1e-4)));
    const sd = wobble ? 0.005 : 0; // rad/s, the simulator's typical gyroscope noise
    const gyr = turn.map((x) => Math.max(-range, Math.min(range, x / 2e-4 + 0.002 + sd * noise())));
    const acc = rotate(conjugate(q), [0, 0, G]);
    updateOrientation(f, gyr, acc, DT);
    const err = inclinationErrorDeg(getOrientation(f), q);
    if (t > end) maxErrAfterDeg = Math.max(maxErrAfterDeg, err);
    // Standing, upright again after a bend: what the next rep starts from. (Samples of a clipped span
    // that is still open are held back by the segment tracker until it closes: not read here.)
    if (t > 4.4 && Math.abs(angle(t)) < 3 * DEG && f.spanLogLength === 0) maxStandingErrDeg = Math.max(maxStandingErrDeg, err);
    finalErrDeg = err;
  }
  return { maxErrAfterDeg, finalErrDeg, maxStandingErrDeg };
}

/** Reproducible standard normal numbers (a 32-bit LCG and Box-Muller). */
function gaussian(seed: number): () => number {
  let x = seed >>> 0;
  const uniform = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Soft-tissue wobble after a sharp stop: a damped oscillation of the sensor about the bend axis. */
interface Wobble {
  /** Cosine of the angle between the wobble's axis and the bend axis (a random axis has 0.5 on average). */
  alongBend: number;
  amplitudeDeg: number;
  frequencyHz: number;
  decayS: number;
}

function wobbleRad(w: Wobble, sinceS: number): number {
  if (sinceS <= 0) return 0;
  return w.amplitudeDeg * DEG * Math.min(1, sinceS / 0.02) * Math.exp(-sinceS / w.decayS) * Math.sin(2 * Math.PI * w.frequencyHz * sinceS);
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

  it('with soft tissue ringing after each stop (0.9 deg at 8-15 Hz) and gyroscope noise, the bridged bends leave under 3 deg while standing between them', () => {
    // The rate just outside a clipped span then carries the wobble's own slope (A (2 pi f)^2: thousands
    // of deg/s^2): a bridge drawn from two or three samples at each side takes it for the movement's.
    for (const frequencyHz of [8, 11, 15]) {
      const f = createOrientationFilter({ sampleRateHz: 100, gyrRangeRadS: 250 * DEG });
      const r = run(f, 250, 3, { alongBend: 0.5, amplitudeDeg: 0.9, frequencyHz, decayS: 0.075 });
      expect(r.maxStandingErrDeg).toBeLessThan(3);
    }
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
