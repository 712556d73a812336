// What every decoder returns. Decoders are pure functions from notification bytes (plus the
// configuration the driver wrote to the device, because some packets do not carry their own scale)
// to readings in SI units. They never throw: a packet they cannot use comes back as `problem`.
import type { Quat, Vec3 } from '@hinge/protocol';

export const STANDARD_GRAVITY_MS2 = 9.80665;
export const DEG_TO_RAD = Math.PI / 180;

/** One reading from one packet. Fields a packet does not carry are absent. */
export interface Reading {
  /** Device clock of this reading in seconds, when the packet carries one (not yet unwrapped). */
  deviceTimeS?: number;
  /** Device sequence number of this reading, when the packet carries one (not yet unwrapped). */
  seq?: number;
  /** Specific force, m/s^2, sensor frame. */
  accMS2?: Vec3;
  /** Angular rate, rad/s, sensor frame. */
  gyrRadS?: Vec3;
  /** Magnetic field, uT, sensor frame. */
  magUT?: Vec3;
  /** Device orientation estimate [w, x, y, z]. */
  quat?: Quat;
}

/**
 * `malformed`: the packet is for a known stream but its length or content is wrong.
 * `unknown`: the packet is for a stream the decoder does not know (other module, other register).
 */
export type DecodeProblem = { kind: 'malformed' | 'unknown'; reason: string };

export type DecodeResult = { readings: Reading[]; problem?: DecodeProblem };

export const malformed = (reason: string): DecodeResult => ({ readings: [], problem: { kind: 'malformed', reason } });
export const unknown = (reason: string): DecodeResult => ({ readings: [], problem: { kind: 'unknown', reason } });

export const gToMS2 = (g: number): number => g * STANDARD_GRAVITY_MS2;
export const dpsToRadS = (dps: number): number => dps * DEG_TO_RAD;

/** A little-endian reader over a byte array that does no bounds checks: callers check the length first. */
export function le(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
