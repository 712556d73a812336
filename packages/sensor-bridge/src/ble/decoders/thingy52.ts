// Nordic Thingy:52 motion service (EF680400-9B35-4933-9B10-52FFA9740042). Packed little-endian C structs
// (Nordic-Thingy52-FW include/ble_services/ble_tms.h). Raw data scaling follows the firmware
// (m_motion.c: RAW_Q_FORMAT_*_INTEGER_BITS 6 / 11 / 12, i.e. 10, 5 and 4 fractional bits), which
// Nordic-Thingy52-Nodejs lib/thingy.js also uses; Thingy.js's /64, /2048, /4096 is wrong (Thingyjs#20).
// Packets carry no timestamp.
import type { SensorResolution } from '@hinge/protocol';
import { dpsToRadS, gToMS2, le, malformed, type DecodeResult } from './types';

export type ThingyStream = 'raw' | 'quaternion';

/** Raw data (0406): int16 acc 6Q10 g, gyro 11Q5 deg/s, compass 12Q4 uT. */
const ACC_LSB_PER_G = 1 << 10;
const GYR_LSB_PER_DPS = 1 << 5;
const MAG_LSB_PER_UT = 1 << 4;
/** Quaternion (0404): int32 w, x, y, z in 2Q30. */
const QUAT_LSB = 2 ** 30;
/** One LSB of the raw stream, in recording units. */
export const THINGY52_RESOLUTION: SensorResolution = { acc: gToMS2(1 / ACC_LSB_PER_G), gyr: dpsToRadS(1 / GYR_LSB_PER_DPS), mag: 1 / MAG_LSB_PER_UT };

export function decodeThingy52(bytes: Uint8Array, stream: ThingyStream): DecodeResult {
  const view = le(bytes);
  if (stream === 'raw') {
    if (bytes.length !== 18) return malformed(`raw motion: ${bytes.length} bytes, expected 18`);
    const i16 = (i: number): number => view.getInt16(i * 2, true);
    return {
      readings: [
        {
          accMS2: [gToMS2(i16(0) / ACC_LSB_PER_G), gToMS2(i16(1) / ACC_LSB_PER_G), gToMS2(i16(2) / ACC_LSB_PER_G)],
          gyrRadS: [dpsToRadS(i16(3) / GYR_LSB_PER_DPS), dpsToRadS(i16(4) / GYR_LSB_PER_DPS), dpsToRadS(i16(5) / GYR_LSB_PER_DPS)],
          magUT: [i16(6) / MAG_LSB_PER_UT, i16(7) / MAG_LSB_PER_UT, i16(8) / MAG_LSB_PER_UT],
        },
      ],
    };
  }
  if (bytes.length !== 16) return malformed(`quaternion: ${bytes.length} bytes, expected 16`);
  const i32 = (i: number): number => view.getInt32(i * 4, true) / QUAT_LSB;
  return { readings: [{ quat: [i32(0), i32(1), i32(2), i32(3)] }] };
}
