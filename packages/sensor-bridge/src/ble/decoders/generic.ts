// The hinge open sensor profile (defined by this project, documented in docs/sensors.md), so anyone can
// build a compatible sensor on an ESP32 or nRF52. One notification holds one or more samples:
//
//   offset size  field
//   0      u8    (version << 4) | flags      version = 1; flags bit 0 = samples carry a magnetometer
//   1      u16   seq                         sequence number of the first sample in the packet (wraps at 65536)
//   3      u32   timeUs                      device time of the first sample, microseconds (wraps at 2^32)
//   7      N x sample, each (all int16):
//                acc x, y, z   in mg (1/1000 g, specific force)
//                gyr x, y, z   in 0.1 deg/s
//                [mag x, y, z  in 0.1 uT, only when flags bit 0 is set]
//
// Sample i of a packet has seq + i and time timeUs + i * 1e6 / rateHz, where rateHz is what the host wrote
// to the config characteristic. All fields little-endian. 7 + 12 bytes fit the default 20-byte ATT payload.
import type { SensorResolution } from '@hinge/protocol';
import { dpsToRadS, gToMS2, le, malformed, type DecodeResult, type Reading } from './types';

export const GENERIC_VERSION = 1;
export const GENERIC_HEADER_BYTES = 7;
const FLAG_MAG = 0x01;
const MG_PER_G = 1000;
const TENTHS = 10;
/** One LSB of each field (acc mg, gyro 0.1 deg/s, mag 0.1 uT), in recording units. */
export const GENERIC_RESOLUTION: SensorResolution = { acc: gToMS2(1 / MG_PER_G), gyr: dpsToRadS(1 / TENTHS), mag: 1 / TENTHS };
const SEQ_MODULO = 65536;
const TIME_MODULO_US = 2 ** 32;

export interface GenericDecodeConfig {
  rateHz: number;
}

export function decodeGeneric(bytes: Uint8Array, config: GenericDecodeConfig): DecodeResult {
  if (bytes.length < GENERIC_HEADER_BYTES) return malformed(`${bytes.length} bytes, the header alone is ${GENERIC_HEADER_BYTES}`);
  const view = le(bytes);
  const version = bytes[0]! >> 4;
  if (version !== GENERIC_VERSION) return malformed(`profile version ${version}, this decoder reads version ${GENERIC_VERSION}`);
  const hasMag = (bytes[0]! & FLAG_MAG) !== 0;
  const sampleBytes = hasMag ? 18 : 12;
  const body = bytes.length - GENERIC_HEADER_BYTES;
  if (body === 0 || body % sampleBytes !== 0) return malformed(`${body} sample bytes is not a whole number of ${sampleBytes}-byte samples`);
  const seq0 = view.getUint16(1, true);
  const time0Us = view.getUint32(3, true);
  const periodUs = 1e6 / config.rateHz;
  const readings: Reading[] = [];
  for (let i = 0; i < body / sampleBytes; i++) {
    const o = GENERIC_HEADER_BYTES + i * sampleBytes;
    const i16 = (k: number): number => view.getInt16(o + k * 2, true);
    const reading: Reading = {
      seq: (seq0 + i) % SEQ_MODULO,
      deviceTimeS: ((time0Us + Math.round(i * periodUs)) % TIME_MODULO_US) / 1e6,
      accMS2: [gToMS2(i16(0) / MG_PER_G), gToMS2(i16(1) / MG_PER_G), gToMS2(i16(2) / MG_PER_G)],
      gyrRadS: [dpsToRadS(i16(3) / TENTHS), dpsToRadS(i16(4) / TENTHS), dpsToRadS(i16(5) / TENTHS)],
    };
    if (hasMag) reading.magUT = [i16(6) / TENTHS, i16(7) / TENTHS, i16(8) / TENTHS];
    readings.push(reading);
  }
  return { readings };
}

/** Builds one packet: the reference encoder for firmware authors and for tests. Values are rounded to the wire units. */
export function encodeGeneric(packet: { seq: number; timeUs: number; samples: { accG: number[]; gyrDps: number[]; magUT?: number[] }[] }): Uint8Array {
  const hasMag = packet.samples.some((s) => s.magUT);
  const sampleBytes = hasMag ? 18 : 12;
  const out = new Uint8Array(GENERIC_HEADER_BYTES + packet.samples.length * sampleBytes);
  const view = le(out);
  out[0] = (GENERIC_VERSION << 4) | (hasMag ? FLAG_MAG : 0);
  view.setUint16(1, packet.seq % SEQ_MODULO, true);
  view.setUint32(3, packet.timeUs % TIME_MODULO_US, true);
  const clamp = (v: number): number => Math.max(-32768, Math.min(32767, Math.round(v)));
  packet.samples.forEach((s, i) => {
    const values = [...s.accG.map((g) => g * MG_PER_G), ...s.gyrDps.map((d) => d * TENTHS), ...(hasMag ? (s.magUT ?? [0, 0, 0]).map((u) => u * TENTHS) : [])];
    values.forEach((v, k) => view.setInt16(GENERIC_HEADER_BYTES + i * sampleBytes + k * 2, clamp(v), true));
  });
  return out;
}
