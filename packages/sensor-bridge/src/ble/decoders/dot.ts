// Movella (Xsens) DOT measurement payloads, from "Xsens DOT BLE Services Specifications" XD0506P Rev F
// (Tables 13 and 15-17). Little-endian; every payload starts with a u32 sensor timestamp in microseconds.
// Two payload modes are supported:
//   'rate' = mode 20 "Rate quantities (with mag)", 34 bytes on the medium payload characteristic 0x2003:
//            ts u32 | acc float32 x3 (m/s^2) | angular velocity float32 x3 (deg/s) | mag int16 x3 (fixed point, /2^12)
//   'orientation' = mode 5 "Orientation (Quaternion)", 20 bytes on the short payload characteristic 0x2004:
//            ts u32 | quaternion float32 w, x, y, z
// The DOT magnetometer unit is "a.u." (normalised to the local field), so it is not reported as uT.
import { dpsToRadS, le, malformed, type DecodeResult } from './types';

export type DotPayloadMode = 'rate' | 'orientation';
export const DOT_PAYLOAD = {
  rate: { id: 20, length: 34 },
  orientation: { id: 5, length: 20 },
} as const satisfies Record<DotPayloadMode, { id: number; length: number }>;

const MICROSECONDS = 1e-6;

export function decodeDot(bytes: Uint8Array, mode: DotPayloadMode): DecodeResult {
  const { length } = DOT_PAYLOAD[mode];
  if (bytes.length !== length) return malformed(`${mode} payload: ${bytes.length} bytes, expected ${length}`);
  const view = le(bytes);
  const deviceTimeS = view.getUint32(0, true) * MICROSECONDS;
  const f = (offset: number): number => view.getFloat32(offset, true);
  if (mode === 'orientation') return { readings: [{ deviceTimeS, quat: [f(4), f(8), f(12), f(16)] }] };
  return {
    readings: [
      {
        deviceTimeS,
        accMS2: [f(4), f(8), f(12)],
        gyrRadS: [dpsToRadS(f(16)), dpsToRadS(f(20)), dpsToRadS(f(24))],
      },
    ],
  };
}
