// MetaWear protocol (MbientLab MetaMotion R / RL / S): notifications on 326a9006-85cb-9195-d9dd-464cfbbae75a
// are `[module, register, payload...]`, little-endian. The scale is not in the packet: the decoder is
// given the ranges the driver configured. Layouts and scales from MetaWear-SDK-Cpp
// (accelerometer_bosch.cpp, gyro_bosch.cpp, datainterpreter.cpp, logging.cpp); see docs/sensors.md.
import type { SensorResolution, Vec3 } from '@hinge/protocol';
import { dpsToRadS, gToMS2, le, malformed, unknown, type DecodeResult, type Reading } from './types';

export type MetaWearChip = 'bmi160' | 'bmi270';
export const METAWEAR_ACC_RANGES_G = [2, 4, 8, 16] as const;
export const METAWEAR_GYR_RANGES_DPS = [125, 250, 500, 1000, 2000] as const;
export type MetaWearAccRangeG = (typeof METAWEAR_ACC_RANGES_G)[number];
export type MetaWearGyrRangeDps = (typeof METAWEAR_GYR_RANGES_DPS)[number];

export interface MetaWearDecodeConfig {
  /** BMI160 on MetaMotion R/RL, BMI270 on MetaMotion S: some register ids differ. */
  chip: MetaWearChip;
  accRangeG: MetaWearAccRangeG;
  gyrRangeDps: MetaWearGyrRangeDps;
}

export const MODULE = { acc: 0x03, dataProcessor: 0x09, settings: 0x11, gyr: 0x13, mag: 0x15, fusion: 0x19 } as const;

/** Data register ids per chip (accelerometer_bosch_register.h, gyro_bosch_register.h). */
export const REGISTERS = {
  bmi160: { acc: 0x04, accPacked: 0x1c, gyr: 0x05, gyrPacked: 0x07 },
  bmi270: { acc: 0x04, accPacked: 0x05, gyr: 0x04, gyrPacked: 0x05 },
} as const;
const MAG_REGISTER = 0x05;
const MAG_PACKED_REGISTER = 0x09;
const FUSION_REGISTER = { correctedAcc: 0x04, correctedGyr: 0x05, correctedMag: 0x06, quaternion: 0x07 } as const;
const ACCOUNTER_REGISTER = 0x03;

/** LSB per g: 32768 / range, i.e. 16384, 8192, 4096, 2048 (BMI160_FSR_SCALE / BMI270_FSR_SCALE). */
export const accLsbPerG = (rangeG: MetaWearAccRangeG): number => 32768 / rangeG;
/** LSB per deg/s (gyro_bosch.cpp FSR_SCALE). */
export const GYR_LSB_PER_DPS: Record<MetaWearGyrRangeDps, number> = { 2000: 16.4, 1000: 32.8, 500: 65.6, 250: 131.2, 125: 262.4 };
/** BMM150: 16 LSB per uT (datainterpreter.cpp BMM150_SCALE). */
const MAG_LSB_PER_UT = 16;
/** Accounter tick: 48/32768 s (logging.cpp TICK_TIME_STEP, given there in ms). */
export const ACCOUNTER_TICK_S = 48 / 32768;
/** One LSB of acc, gyro and magnetometer at the configured ranges, in recording units. */
export function metawearResolution(config: { accRangeG: MetaWearAccRangeG; gyrRangeDps: MetaWearGyrRangeDps }): SensorResolution {
  return { acc: gToMS2(1 / accLsbPerG(config.accRangeG)), gyr: dpsToRadS(1 / GYR_LSB_PER_DPS[config.gyrRangeDps]), mag: 1 / MAG_LSB_PER_UT };
}

/** Sensor fusion corrected acc is sent in mg (SENSOR_FUSION_ACC_SCALE = 1000). */
const FUSION_ACC_MG_PER_G = 1000;

function int16Triples(bytes: Uint8Array, offset: number, count: number, scale: (raw: number) => number): Vec3[] {
  const view = le(bytes);
  const out: Vec3[] = [];
  for (let i = 0; i < count; i++) {
    const o = offset + i * 6;
    out.push([scale(view.getInt16(o, true)), scale(view.getInt16(o + 2, true)), scale(view.getInt16(o + 4, true))]);
  }
  return out;
}

function floats(bytes: Uint8Array, offset: number, count: number): number[] {
  const view = le(bytes);
  return Array.from({ length: count }, (_, i) => view.getFloat32(offset + i * 4, true));
}

/** Reads `count` int16 triples after the 2-byte header, or says the length is wrong. */
function triples(bytes: Uint8Array, what: string, count: number, scale: (raw: number) => number): Vec3[] | DecodeResult {
  const expected = 2 + 6 * count;
  if (bytes.length !== expected) return malformed(`${what}: ${bytes.length} bytes, expected ${expected}`);
  return int16Triples(bytes, 2, count, scale);
}

function toResult(values: Vec3[] | DecodeResult, key: 'accMS2' | 'gyrRadS' | 'magUT'): DecodeResult {
  if (!Array.isArray(values)) return values;
  return { readings: values.map((v): Reading => ({ [key]: v })) };
}

export function decodeMetaWear(bytes: Uint8Array, config: MetaWearDecodeConfig): DecodeResult {
  if (bytes.length < 2) return malformed(`${bytes.length} bytes, a MetaWear packet has at least 2`);
  const [module, register] = [bytes[0]!, bytes[1]!];
  const regs = REGISTERS[config.chip];
  const accScale = (raw: number): number => gToMS2(raw / accLsbPerG(config.accRangeG));
  const gyrScale = (raw: number): number => dpsToRadS(raw / GYR_LSB_PER_DPS[config.gyrRangeDps]);
  const magScale = (raw: number): number => raw / MAG_LSB_PER_UT;

  if (module === MODULE.acc && register === regs.acc) return toResult(triples(bytes, 'acceleration', 1, accScale), 'accMS2');
  if (module === MODULE.acc && register === regs.accPacked) return toResult(triples(bytes, 'packed acceleration', 3, accScale), 'accMS2');
  if (module === MODULE.gyr && register === regs.gyr) return toResult(triples(bytes, 'rotation', 1, gyrScale), 'gyrRadS');
  if (module === MODULE.gyr && register === regs.gyrPacked) return toResult(triples(bytes, 'packed rotation', 3, gyrScale), 'gyrRadS');
  if (module === MODULE.mag && register === MAG_REGISTER) return toResult(triples(bytes, 'magnetic field', 1, magScale), 'magUT');
  if (module === MODULE.mag && register === MAG_PACKED_REGISTER) return toResult(triples(bytes, 'packed magnetic field', 3, magScale), 'magUT');

  if (module === MODULE.fusion) {
    if (register === FUSION_REGISTER.quaternion) {
      if (bytes.length !== 18) return malformed(`quaternion: ${bytes.length} bytes, expected 18`);
      const [w, x, y, z] = floats(bytes, 2, 4) as [number, number, number, number];
      return { readings: [{ quat: [w, x, y, z] }] };
    }
    const corrected = { [FUSION_REGISTER.correctedAcc]: 'accMS2', [FUSION_REGISTER.correctedGyr]: 'gyrRadS', [FUSION_REGISTER.correctedMag]: 'magUT' } as const;
    const key = corrected[register as keyof typeof corrected];
    if (key) {
      // 3 x float32 then one accuracy byte (MblMwCorrectedCartesianFloat).
      if (bytes.length !== 15) return malformed(`corrected ${key}: ${bytes.length} bytes, expected 15`);
      const [x, y, z] = floats(bytes, 2, 3) as Vec3;
      const convert =
        key === 'accMS2' ? (mg: number) => gToMS2(mg / FUSION_ACC_MG_PER_G) : key === 'gyrRadS' ? dpsToRadS : (uT: number) => uT;
      return { readings: [{ [key]: [convert(x), convert(y), convert(z)] }] };
    }
  }

  if (module === MODULE.dataProcessor && register === ACCOUNTER_REGISTER) {
    // Accounter wrapping the raw accelerometer: `09 03 <procId> <tick u32> <int16 x,y,z>` (test_dataprocessor.py).
    if (bytes.length !== 13) return malformed(`accounter: ${bytes.length} bytes, expected 13 (accounter over acceleration)`);
    const tick = le(bytes).getUint32(3, true);
    const [acc] = int16Triples(bytes, 7, 1, accScale);
    return { readings: [{ deviceTimeS: tick * ACCOUNTER_TICK_S, accMS2: acc! }] };
  }
  return unknown(`module 0x${module.toString(16)} register 0x${register.toString(16)} is not a stream hinge uses`);
}
