// MbientLab MetaMotion R / RL / S over the MetaWear protocol (command char 326a9001, notify char 326a9006).
// Command sequences are those asserted by MetaWear-SDK-Cpp's own tests (see docs/sensors.md):
// configure acc [03 03 odr range] and gyro [13 03 odr range], subscribe [mod reg 01], enable sampling
// [mod 02 01 00], start [mod 01 01]; stop in reverse. Acc and gyro arrive in separate notifications and
// are paired here in arrival order. With `orientation`, the on-board Bosch fusion (IMU+ mode) streams
// its quaternion [19 07]. Streaming packets carry no timestamp: the arrival-time clock applies.
import {
  metawearResolution,
  GYR_LSB_PER_DPS,
  METAWEAR_ACC_RANGES_G,
  METAWEAR_GYR_RANGES_DPS,
  MODULE,
  REGISTERS,
  decodeMetaWear,
  type MetaWearChip,
  type MetaWearDecodeConfig,
} from '../decoders/metawear';
import type { Reading } from '../decoders/types';
import { DEVICE_INFO_SERVICE, MODEL_NUMBER_CHAR, normalizeUuid, type BleConnection } from '../transport';
import { bestEffort, guarded, nearest, readStandardBatteryPct, type SensorDriver } from './driver';

export const METAWEAR_SERVICE = normalizeUuid('326a9000-85cb-9195-d9dd-464cfbbae75a');
export const METAWEAR_COMMAND_CHAR = normalizeUuid('326a9001-85cb-9195-d9dd-464cfbbae75a');
export const METAWEAR_NOTIFY_CHAR = normalizeUuid('326a9006-85cb-9195-d9dd-464cfbbae75a');
/** Firmware-update (MetaBoot) mode: recognised so it can be refused. */
export const METABOOT_SERVICE = normalizeUuid('00001530-1212-efde-1523-785feabcd123');

const RATE_HZ = 100;
/** ODR byte for 100 Hz: BMI160 0x28, BMI270 0xa8 (test_accelerometer_bmi160/270.py ODR tables). */
const ODR_100HZ: Record<MetaWearChip, number> = { bmi160: 0x28, bmi270: 0xa8 };
/** Range byte per g: BMI160_FSR_SCALE keys and BMI270_FSR_BITMASKS. */
const ACC_RANGE_BITS: Record<MetaWearChip, Record<number, number>> = {
  bmi160: { 2: 0x03, 4: 0x05, 8: 0x08, 16: 0x0c },
  bmi270: { 2: 0x00, 4: 0x01, 8: 0x02, 16: 0x03 },
};
/** Gyro range index: 2000, 1000, 500, 250, 125 deg/s -> 0..4 (gyro_bosch.cpp FSR_SCALE order). */
const GYR_RANGE_INDEX = Object.fromEntries(Object.keys(GYR_LSB_PER_DPS).map((k) => [k, [2000, 1000, 500, 250, 125].indexOf(Number(k))]));
/** Connection interval 7.5 ms (min = max = 6 x 1.25 ms), latency 0, supervision timeout 6 s (600 x 10 ms). */
const CONNECTION_PARAMETERS = [MODULE.settings, 0x09, 6, 0, 6, 0, 0, 0, 0x58, 0x02];
const FUSION_MODE_IMU_PLUS = 2;
const FUSION_QUATERNION_REGISTER = 0x07;
const FUSION_QUATERNION_MASK = 1 << 3;
/** Unpaired acc or gyr readings kept while waiting for the other half. */
const MAX_UNPAIRED = 8;

/** Model number from Device Information: '5' MetaMotion R/RL (BMI160), '8' MetaMotion S (BMI270) (test/common.py). */
async function detectChip(connection: BleConnection): Promise<MetaWearChip> {
  if (!connection.has(DEVICE_INFO_SERVICE, MODEL_NUMBER_CHAR)) return 'bmi160';
  const model = Buffer.from(await connection.read(DEVICE_INFO_SERVICE, MODEL_NUMBER_CHAR)).toString('latin1').trim();
  return model === '8' ? 'bmi270' : 'bmi160';
}

/** Pairs acc-only and gyr-only readings into samples, in arrival order. */
export function createAccGyrPairer(onPair: (reading: Reading) => void, onDropped: (count: number) => void) {
  const acc: Reading[] = [];
  const gyr: Reading[] = [];
  return (readings: Reading[]): void => {
    for (const r of readings) {
      if (r.accMS2) acc.push(r);
      else if (r.gyrRadS) gyr.push(r);
      while (acc.length > 0 && gyr.length > 0) onPair({ accMS2: acc.shift()!.accMS2!, gyrRadS: gyr.shift()!.gyrRadS! });
      // One stream got ahead (the other lost a packet): drop the oldest so pairs stay aligned in time.
      for (const queue of [acc, gyr]) {
        if (queue.length > MAX_UNPAIRED) {
          queue.shift();
          onDropped(1);
        }
      }
    }
  };
}

export const metamotionDriver: SensorDriver = {
  model: 'metamotion',
  label: 'MbientLab MetaMotion',
  matches: (ad) =>
    ad.serviceUuids.includes(METAWEAR_SERVICE) || /^(metawear|metamotion)/i.test(ad.localName ?? ''),

  async start(connection, options, handlers) {
    const chip = await detectChip(connection);
    const config: MetaWearDecodeConfig = {
      chip,
      accRangeG: nearest(METAWEAR_ACC_RANGES_G, options.accRangeG ?? 8),
      gyrRangeDps: nearest(METAWEAR_GYR_RANGES_DPS, options.gyrRangeDps ?? 1000),
    };
    const regs = REGISTERS[chip];
    const command = (...bytes: number[]): Promise<void> => connection.write(METAWEAR_SERVICE, METAWEAR_COMMAND_CHAR, Uint8Array.from(bytes), true);
    const accConfig = [MODULE.acc, 0x03, ODR_100HZ[chip], ACC_RANGE_BITS[chip][config.accRangeG]!];
    const gyrConfig = [MODULE.gyr, 0x03, ODR_100HZ[chip], GYR_RANGE_INDEX[config.gyrRangeDps]!];

    const pair = createAccGyrPairer(
      (reading) => handlers.readings([reading]),
      (count) => handlers.problem({ kind: 'malformed', reason: `${count} acc or gyr reading without its partner dropped` }),
    );
    await connection.subscribe(METAWEAR_SERVICE, METAWEAR_NOTIFY_CHAR, guarded(handlers, (bytes) => {
      const result = decodeMetaWear(bytes, config);
      if (result.problem) handlers.problem(result.problem);
      if (options.orientation) handlers.readings(result.readings.filter((r) => r.quat));
      else pair(result.readings);
    }));
    await command(...CONNECTION_PARAMETERS);
    await command(...accConfig);
    await command(...gyrConfig);

    if (options.orientation) {
      // Mode byte 2: acc range index | (gyro range index + 1) << 4 (test_sensor_fusion_config.py config_masks).
      const accRangeIndex = METAWEAR_ACC_RANGES_G.indexOf(config.accRangeG);
      await command(MODULE.fusion, 0x02, FUSION_MODE_IMU_PLUS, accRangeIndex | ((GYR_RANGE_INDEX[config.gyrRangeDps]! + 1) << 4));
      await command(MODULE.fusion, FUSION_QUATERNION_REGISTER, 0x01);
      await command(MODULE.acc, 0x02, 0x01, 0x00);
      await command(MODULE.gyr, 0x02, 0x01, 0x00);
      await command(MODULE.acc, 0x01, 0x01);
      await command(MODULE.gyr, 0x01, 0x01);
      await command(MODULE.fusion, 0x03, FUSION_QUATERNION_MASK, 0x00);
      await command(MODULE.fusion, 0x01, 0x01);
    } else {
      await command(MODULE.acc, regs.acc, 0x01);
      await command(MODULE.gyr, regs.gyr, 0x01);
      await command(MODULE.acc, 0x02, 0x01, 0x00);
      await command(MODULE.gyr, 0x02, 0x01, 0x00);
      await command(MODULE.acc, 0x01, 0x01);
      await command(MODULE.gyr, 0x01, 0x01);
    }

    return {
      timing: { rateHz: RATE_HZ, hasDeviceTime: false },
      resolution: metawearResolution(config),
      stop: () =>
        bestEffort([
          ...(options.orientation
            ? [() => command(MODULE.fusion, 0x01, 0x00), () => command(MODULE.fusion, 0x03, 0x00, 0x7f)]
            : []),
          () => command(MODULE.acc, 0x01, 0x00),
          () => command(MODULE.gyr, 0x01, 0x00),
          () => command(MODULE.acc, 0x02, 0x00, 0x01),
          () => command(MODULE.gyr, 0x02, 0x00, 0x01),
          ...(options.orientation
            ? [() => command(MODULE.fusion, FUSION_QUATERNION_REGISTER, 0x00)]
            : [() => command(MODULE.acc, regs.acc, 0x00), () => command(MODULE.gyr, regs.gyr, 0x00)]),
          () => connection.unsubscribe(METAWEAR_SERVICE, METAWEAR_NOTIFY_CHAR),
        ]),
    };
  },

  readBatteryPct: readStandardBatteryPct,
};
