import { describe, expect, it } from 'vitest';
import type { Quat, Vec3 } from '@hinge/protocol';
import { createOrientationFilter, getOrientation, updateOrientation } from './orientation-filter';
import { conjugate, fromAxisAngle, inclinationErrorDeg, multiply, rotate } from '../math/quaternion';

const DEG = Math.PI / 180;
const G = 9.81;

/** Noise-free IMU readings of a sensor whose orientation (sensor -> earth) follows q(t), at rest in position. */
function readings(q: Quat, omegaSensorRadS: Vec3, biasRadS: Vec3): { gyr: Vec3; acc: Vec3 } {
  const acc = rotate(conjugate(q), [0, 0, G]);
  return { gyr: [omegaSensorRadS[0] + biasRadS[0], omegaSensorRadS[1] + biasRadS[1], omegaSensorRadS[2] + biasRadS[2]], acc };
}

describe('orientation filter', () => {
  it('starts level from the first accelerometer reading, whatever the tilt', () => {
    const truth = fromAxisAngle([1, 2, 0.5], 100 * DEG);
    const f = createOrientationFilter({ sampleRateHz: 100 });
    const { gyr, acc } = readings(truth, [0, 0, 0], [0, 0, 0]);
    updateOrientation(f, gyr, acc, 0.01);
    expect(inclinationErrorDeg(getOrientation(f), truth)).toBeLessThan(1e-6);
  });

  it('learns a constant gyroscope bias at rest and then holds inclination while rotating', () => {
    const bias: Vec3 = [1.2 * DEG, -0.8 * DEG, 0.5 * DEG];
    const f = createOrientationFilter({ sampleRateHz: 100 });
    let q: Quat = [1, 0, 0, 0];
    const dt = 0.01;
    for (let i = 0; i < 1000; i++) {
      const { gyr, acc } = readings(q, [0, 0, 0], bias);
      updateOrientation(f, gyr, acc, dt);
    }
    expect(f.restDetected).toBe(true);
    expect(Math.abs(f.bx - bias[0]) / DEG).toBeLessThan(0.05);
    expect(Math.abs(f.by - bias[1]) / DEG).toBeLessThan(0.05);
    // 20 s of bending back and forth about a horizontal sensor axis at up to 60 deg/s.
    let maxErr = 0;
    for (let i = 0; i < 2000; i++) {
      const w = 60 * DEG * Math.sin((2 * Math.PI * i * dt) / 4);
      const omega: Vec3 = [0, w, 0];
      q = multiply(q, fromAxisAngle([0, 1, 0], w * dt));
      const { gyr, acc } = readings(q, omega, bias);
      updateOrientation(f, gyr, acc, dt);
      maxErr = Math.max(maxErr, inclinationErrorDeg(getOrientation(f), q));
    }
    expect(maxErr).toBeLessThan(0.5);
  });

  it('ignores a sustained horizontal acceleration far better than a tilt-from-accelerometer estimate', () => {
    // The sensor is level and still in orientation, but is pushed forward at 2 m/s^2 for 0.8 s and braked
    // back: accelerations average out in the inertial frame, so inclination must stay within a fraction of
    // the 11.5 deg that the raw accelerometer direction would show.
    const f = createOrientationFilter({ sampleRateHz: 100 });
    const q: Quat = [1, 0, 0, 0];
    let maxErr = 0;
    for (let i = 0; i < 600; i++) {
      const t = i * 0.01;
      const ax = t > 3 && t < 3.8 ? 2 : t >= 3.8 && t < 4.6 ? -2 : 0;
      updateOrientation(f, [0, 0, 0], [ax, 0, G], 0.01);
      maxErr = Math.max(maxErr, inclinationErrorDeg(getOrientation(f), q));
    }
    expect(maxErr).toBeLessThan(2);
  });

  it('restarts from the accelerometer after a gap longer than maxGapS, keeping the bias', () => {
    const f = createOrientationFilter({ sampleRateHz: 100 });
    for (let i = 0; i < 300; i++) updateOrientation(f, [0.01, 0, 0], [0, 0, G], 0.01);
    const biasBefore = f.bx;
    const tilted = fromAxisAngle([0, 1, 0], 40 * DEG);
    updateOrientation(f, [0.01, 0, 0], rotate(conjugate(tilted), [0, 0, G]), 1.0);
    expect(f.gapRestarts).toBe(1);
    expect(f.bx).toBe(biasBefore);
    expect(inclinationErrorDeg(getOrientation(f), tilted)).toBeLessThan(1e-6);
  });
});
