// Quaternion helpers, Hamilton convention, [w, x, y, z]. A quaternion q "sensor -> earth" rotates a
// vector given in the sensor frame into the earth frame: v_E = q * v_S * conj(q).
// These allocate and are meant for code off the per-sample hot path (calibration, angles, tests);
// the orientation filter inlines its own arithmetic.
import type { Quat, Vec3 } from '@hinge/protocol';

export const IDENTITY: Quat = [1, 0, 0, 0];

export function multiply(a: Quat, b: Quat): Quat {
  const [aw, ax, ay, az] = a;
  const [bw, bx, by, bz] = b;
  return [
    aw * bw - ax * bx - ay * by - az * bz,
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
  ];
}

export function conjugate(q: Quat): Quat {
  return [q[0], -q[1], -q[2], -q[3]];
}

export function normalize(q: Quat): Quat {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return n > 0 ? [q[0] / n, q[1] / n, q[2] / n, q[3] / n] : [1, 0, 0, 0];
}

/** Rotates v by q: q * v * conj(q). */
export function rotate(q: Quat, v: Vec3): Vec3 {
  const [w, x, y, z] = q;
  const [vx, vy, vz] = v;
  // t = 2 * cross(q.xyz, v); v' = v + w * t + cross(q.xyz, t)
  const tx = 2 * (y * vz - z * vy);
  const ty = 2 * (z * vx - x * vz);
  const tz = 2 * (x * vy - y * vx);
  return [vx + w * tx + (y * tz - z * ty), vy + w * ty + (z * tx - x * tz), vz + w * tz + (x * ty - y * tx)];
}

export function fromAxisAngle(axis: Vec3, angleRad: number): Quat {
  const n = Math.hypot(axis[0], axis[1], axis[2]);
  if (n === 0) return [1, 0, 0, 0];
  const s = Math.sin(angleRad / 2) / n;
  return [Math.cos(angleRad / 2), axis[0] * s, axis[1] * s, axis[2] * s];
}

/** Rotation vector (axis * angle, rad) of q, angle in [0, pi]. */
export function toRotationVector(q: Quat): Vec3 {
  const s = q[0] < 0 ? -1 : 1;
  const w = q[0] * s;
  const vn = Math.hypot(q[1], q[2], q[3]);
  if (vn < 1e-12) return [2 * q[1] * s, 2 * q[2] * s, 2 * q[3] * s];
  const angle = 2 * Math.atan2(vn, w);
  const k = (angle / vn) * s;
  return [q[1] * k, q[2] * k, q[3] * k];
}

/** Heading-independent tilt between two orientations (both sensor -> earth, earth z up), degrees. */
export function inclinationErrorDeg(estimate: Quat, truth: Quat): number {
  const e = multiply(estimate, conjugate(truth));
  const n = Math.hypot(e[0], e[1], e[2], e[3]);
  const c = Math.min(1, Math.sqrt(e[0] * e[0] + e[3] * e[3]) / n);
  return (2 * Math.acos(c) * 180) / Math.PI;
}
