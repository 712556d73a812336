// The rotation algebra the simulator needs. Quaternions are [w, x, y, z], Hamilton convention, and
// rotate a vector from the frame they describe into the frame they are expressed in (q_sensor maps
// sensor-frame vectors to earth-frame vectors). The general operations are the project's one
// implementation in packages/analysis/src/math/quaternion.ts; only the simulator's own convention
// (yaw-pitch-roll segments) and vector addition are defined here.
import type { Quat, Vec3 } from '@hinge/protocol';

export { IDENTITY, conjugate, fromAxisAngle, multiply, normalize, rotate, toRotationVector } from '@hinge/analysis';

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

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
