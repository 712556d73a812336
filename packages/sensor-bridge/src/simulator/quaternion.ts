// The little rotation algebra the simulator needs. Quaternions are [w, x, y, z], Hamilton convention,
// and rotate a vector from the frame they describe into the frame they are expressed in
// (q_sensor maps sensor-frame vectors to earth-frame vectors).
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
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/** Rotation by `angleRad` about the unit vector `axis`. */
export function fromAxisAngle(axis: Vec3, angleRad: number): Quat {
  const s = Math.sin(angleRad / 2);
  return [Math.cos(angleRad / 2), axis[0] * s, axis[1] * s, axis[2] * s];
}

/**
 * R = Rz(yaw) * Ry(pitch) * Rx(roll): the segment orientation convention of docs/simulator.md. The
 * product of the three axis quaternions, multiplied out (the test checks it against the matrices).
 */
export function fromYawPitchRoll(yawRad: number, pitchRad: number, rollRad: number): Quat {
  const cy = Math.cos(yawRad / 2);
  const sy = Math.sin(yawRad / 2);
  const cp = Math.cos(pitchRad / 2);
  const sp = Math.sin(pitchRad / 2);
  const cr = Math.cos(rollRad / 2);
  const sr = Math.sin(rollRad / 2);
  return [
    cy * cp * cr + sy * sp * sr,
    cy * cp * sr - sy * sp * cr,
    cy * sp * cr + sy * cp * sr,
    sy * cp * cr - cy * sp * sr,
  ];
}

/** q * v * q^-1 for a unit quaternion. */
export function rotate(q: Quat, v: Vec3): Vec3 {
  const [w, x, y, z] = q;
  // t = 2 * (q_vec x v); v' = v + w t + q_vec x t
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [v[0] + w * tx + (y * tz - z * ty), v[1] + w * ty + (z * tx - x * tz), v[2] + w * tz + (x * ty - y * tx)];
}

/** The rotation vector (axis * angle, rad) of a unit quaternion, taking the short way round. */
export function toRotationVector(q: Quat): Vec3 {
  const sign = q[0] < 0 ? -1 : 1;
  const w = sign * q[0];
  const sinHalf = Math.hypot(q[1], q[2], q[3]);
  if (sinHalf < 1e-12) return [2 * sign * q[1], 2 * sign * q[2], 2 * sign * q[3]];
  const scale = (sign * 2 * Math.atan2(sinHalf, w)) / sinHalf;
  return [q[1] * scale, q[2] * scale, q[3] * scale];
}

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
