// WitMotion WT901BLECL / BWT901BLE (BLE 5.0): notifications on 0000ffe4-0000-1000-8000-00805f9a34fb carry
// 20-byte frames, but a notification is not guaranteed to hold exactly one frame, so the byte stream is
// re-framed first (resynchronise on 0x55 followed by 0x61 or 0x71, as the vendor's device_model.py does).
// Frames (WT901BLECL datasheet v20-0707 §6.1; vendor device_model.py `processData`), int16 little-endian:
//   55 61 | ax ay az | wx wy wz | roll pitch yaw     a = raw/32768*16 g, w = raw/32768*2000 deg/s, angle = raw/32768*180 deg
//   55 71 | regL regH | 8 x int16                    register read reply; 0x3A = magnetometer Hx Hy Hz (mG),
//                                                    0x51 = quaternion Q0..Q3 /32768
// No checksum and no timestamp.
import type { SensorResolution } from '@hinge/protocol';
import { dpsToRadS, gToMS2, le, type DecodeProblem, type DecodeResult } from './types';

export const WIT_FRAME_LENGTH = 20;
const HEADER = 0x55;
const FLAG_IMU = 0x61;
const FLAG_REGISTER = 0x71;
export const WIT_REGISTER = { magnetometer: 0x3a, quaternion: 0x51 } as const;
const FULL_SCALE = 32768;
const ACC_RANGE_G = 16;
const GYR_RANGE_DPS = 2000;
/** 1 mG = 0.1 uT. The datasheet unit; the vendor Python SDK divides by 120 instead (see docs/sensors.md). */
const UT_PER_MILLIGAUSS = 0.1;
/** One LSB of acc and gyro at the fixed ranges, in recording units (the magnetometer register reads whole mG: 0.1 uT). */
export const WITMOTION_RESOLUTION: SensorResolution = { acc: gToMS2(ACC_RANGE_G / FULL_SCALE), gyr: dpsToRadS(GYR_RANGE_DPS / FULL_SCALE), mag: UT_PER_MILLIGAUSS };

export interface WitFrames {
  frames: Uint8Array[];
  /** Bytes that may start a frame not yet complete; pass them back with the next notification. */
  rest: Uint8Array;
  /** Bytes thrown away while searching for a frame start. */
  skippedBytes: number;
}

/** Splits `carry + bytes` into whole frames. Pure: the caller keeps `rest` between notifications. */
export function splitWitFrames(carry: Uint8Array, bytes: Uint8Array): WitFrames {
  const data = new Uint8Array(carry.length + bytes.length);
  data.set(carry, 0);
  data.set(bytes, carry.length);
  const frames: Uint8Array[] = [];
  let skippedBytes = 0;
  let i = 0;
  while (i < data.length) {
    const isStart = data[i] === HEADER && (i + 1 >= data.length || data[i + 1] === FLAG_IMU || data[i + 1] === FLAG_REGISTER);
    if (!isStart) {
      i++;
      skippedBytes++;
      continue;
    }
    if (data.length - i < WIT_FRAME_LENGTH) break;
    frames.push(data.slice(i, i + WIT_FRAME_LENGTH));
    i += WIT_FRAME_LENGTH;
  }
  return { frames, rest: data.slice(i), skippedBytes };
}

/** Decodes one whole 20-byte frame (see `splitWitFrames`). */
export function decodeWitFrame(frame: Uint8Array): DecodeResult {
  const problem = (kind: DecodeProblem['kind'], reason: string): DecodeResult => ({ readings: [], problem: { kind, reason } });
  if (frame.length !== WIT_FRAME_LENGTH || frame[0] !== HEADER) return problem('malformed', `not a 20-byte 0x55 frame (${frame.length} bytes)`);
  const view = le(frame);
  const i16 = (i: number): number => view.getInt16(2 + i * 2, true);
  if (frame[1] === FLAG_IMU) {
    const acc = (i: number): number => gToMS2((i16(i) / FULL_SCALE) * ACC_RANGE_G);
    const gyr = (i: number): number => dpsToRadS((i16(i) / FULL_SCALE) * GYR_RANGE_DPS);
    return { readings: [{ accMS2: [acc(0), acc(1), acc(2)], gyrRadS: [gyr(3), gyr(4), gyr(5)] }] };
  }
  if (frame[1] === FLAG_REGISTER) {
    const register = view.getUint16(2, true);
    const value = (i: number): number => view.getInt16(4 + i * 2, true);
    if (register === WIT_REGISTER.magnetometer) {
      return { readings: [{ magUT: [value(0) * UT_PER_MILLIGAUSS, value(1) * UT_PER_MILLIGAUSS, value(2) * UT_PER_MILLIGAUSS] }] };
    }
    if (register === WIT_REGISTER.quaternion) {
      return { readings: [{ quat: [value(0) / FULL_SCALE, value(1) / FULL_SCALE, value(2) / FULL_SCALE, value(3) / FULL_SCALE] }] };
    }
    return problem('unknown', `register 0x${register.toString(16)} reply is not used by hinge`);
  }
  return problem('unknown', `frame flag 0x${frame[1]!.toString(16)} is not used by hinge`);
}

/** Decodes a stream chunk: the re-framing state (`carry`) goes in and comes out. */
export function decodeWitMotion(carry: Uint8Array, bytes: Uint8Array): { result: DecodeResult; rest: Uint8Array } {
  const { frames, rest, skippedBytes } = splitWitFrames(carry, bytes);
  const readings = [];
  let problem: DecodeProblem | undefined =
    skippedBytes > 0 ? { kind: 'malformed', reason: `${skippedBytes} bytes outside any 0x55 frame were skipped` } : undefined;
  for (const frame of frames) {
    const r = decodeWitFrame(frame);
    readings.push(...r.readings);
    problem ??= r.problem;
  }
  return { result: problem ? { readings, problem } : { readings }, rest };
}
