// Vendor vectors: github.com/mbientlab/MetaWear-SDK-Cpp @ f67699e5c7eb64401a68157f553f9585e3857a6a, test/*.py
// (bytes and expected values copied from the SDK's own unit tests; tolerance = the SDK's `is_close`).
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '@hinge/protocol';
import { decodeMetaWear, type MetaWearDecodeConfig } from './metawear';
import { expectCloseVendor } from '../../../test/vendor-tolerance';
import { DEG_TO_RAD, STANDARD_GRAVITY_MS2 } from './types';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const fromPy = (s: string): Uint8Array => Uint8Array.from(s.split('\\x').slice(1).map((h) => parseInt(h, 16)));
const inG = (v: Vec3 | undefined): number[] | undefined => v?.map((x) => x / STANDARD_GRAVITY_MS2);
const inDps = (v: Vec3 | undefined): number[] | undefined => v?.map((x) => x / DEG_TO_RAD);
const cfg = (over: Partial<MetaWearDecodeConfig>): MetaWearDecodeConfig => ({ chip: 'bmi160', accRangeG: 2, gyrRangeDps: 2000, ...over });

describe('MetaWear decoder against MetaWear-SDK-Cpp test vectors', () => {
  it('test_accelerometer_bmi160.py TestBmi160AccelerationData.test_get_acceleration_data_g (4 g)', () => {
    const r = decodeMetaWear(fromPy('\\x03\\x04\\x16\\xc4\\x94\\xa2\\x2a\\xd0'), cfg({ accRangeG: 4 }));
    expect(r.readings).toHaveLength(1);
    expectCloseVendor(inG(r.readings[0]!.accMS2), [-1.872, -2.919, -1.495], 'acc');
  });

  const packedAccExpected = [[-4.539, 0.833, -0.131], [-2.995, 0.894, 0.146], [-0.029, 0.352, 0.065]];
  it('test_accelerometer_bmi160.py TestBmi160HighFreqAccData.test_get_acceleration_data_g (packed, 8 g)', () => {
    const r = decodeMetaWear(fromPy('\\x03\\x1c\\x62\\xb7\\x53\\x0d\\xe9\\xfd\\x16\\xd0\\x4d\\x0e\\x57\\x02\\x8a\\xff\\xa1\\x05\\x0a\\x01'), cfg({ accRangeG: 8 }));
    expect(r.readings).toHaveLength(3);
    r.readings.forEach((reading, i) => expectCloseVendor(inG(reading.accMS2), packedAccExpected[i]!, `sample ${i}`));
  });

  it('test_accelerometer_bmi270.py TestBmi270AccelerationData.test_get_acceleration_data_g (4 g)', () => {
    const r = decodeMetaWear(fromPy('\\x03\\x04\\x16\\xc4\\x94\\xa2\\x2a\\xd0'), cfg({ chip: 'bmi270', accRangeG: 4 }));
    expectCloseVendor(inG(r.readings[0]!.accMS2), [-1.872, -2.919, -1.495], 'acc');
  });

  it('test_accelerometer_bmi270.py TestBmi270HighFreqAccData.test_get_acceleration_data_g (packed register 0x05, 8 g)', () => {
    const r = decodeMetaWear(fromPy('\\x03\\x05\\x62\\xb7\\x53\\x0d\\xe9\\xfd\\x16\\xd0\\x4d\\x0e\\x57\\x02\\x8a\\xff\\xa1\\x05\\x0a\\x01'), cfg({ chip: 'bmi270', accRangeG: 8 }));
    expect(r.readings).toHaveLength(3);
    r.readings.forEach((reading, i) => expectCloseVendor(inG(reading.accMS2), packedAccExpected[i]!, `sample ${i}`));
  });

  it('test_gyro_bmi160.py TestGyroBmi160DataHandler.test_rotation_data_handler (500 dps)', () => {
    const r = decodeMetaWear(fromPy('\\x13\\x05\\x3e\\x43\\xff\\x7f\\x00\\x80'), cfg({ gyrRangeDps: 500 }));
    expectCloseVendor(inDps(r.readings[0]!.gyrRadS), [262.409, 499.497, -499.512], 'gyr');
  });

  it('test_gyro_bmi160.py TestGyroBmi160HighFreqDataHandler.test_rotation_data_handler (packed, 1000 dps)', () => {
    const r = decodeMetaWear(fromPy('\\x13\\x07\\x09\\x15\\xad\\x26\\x08\\xde\\x8a\\x1a\\x0d\\x26\\x65\\xe4\\x8d\\x20\\xac\\x27\\x73\\xec'), cfg({ gyrRangeDps: 1000 }));
    const expected = [[164.177, 301.86, -265.122], [207.134, 296.982, -215.457], [254.055, 309.634, -152.591]];
    expect(r.readings).toHaveLength(3);
    r.readings.forEach((reading, i) => expectCloseVendor(inDps(reading.gyrRadS), expected[i]!, `sample ${i}`));
  });

  it('test_magnetometer_bmm150.py TestMagnetometerBmm150Data.test_b_field_data', () => {
    const r = decodeMetaWear(fromPy('\\x15\\x05\\x4e\\xf0\\x53\\x0a\\x75\\x04'), cfg({}));
    expectCloseVendor(r.readings[0]!.magUT, [-251.125, 165.1875, 71.3125], 'mag');
  });

  it('test_magnetometer_bmm150.py TestMagnetometerPackedData.test_packed_bfield_data', () => {
    const r = decodeMetaWear(fromPy('\\x15\\x09\\xb6\\x0c\\x72\\xf7\\x89\\xee\\xb6\\x0b\\x5a\\xf8\\x32\\xee\\xe6\\x0a\\xa2\\xf7\\x25\\xef'), cfg({}));
    const expected = [[203.375, -136.874, -279.437], [187.375, -122.375, -284.874], [174.375, -133.875, -269.687]];
    r.readings.forEach((reading, i) => expectCloseVendor(reading.magUT, expected[i]!, `sample ${i}`));
  });

  it('test_sensor_fusion.py TestSensorFusion.test_received_data: quaternion', () => {
    const r = decodeMetaWear(fromPy('\\x19\\x07\\x1b\\x9b\\x70\\x3f\\x8c\\x5e\\x4d\\xbd\\x07\\x7f\\x1d\\xbe\\x78\\x02\\x9a\\xbe'), cfg({}));
    expectCloseVendor(r.readings[0]!.quat, [0.94, -0.05, -0.154, -0.301], 'quat');
  });

  it('test_sensor_fusion.py TestSensorFusion.test_received_data: corrected acc (mg -> g), gyro and mag', () => {
    const acc = decodeMetaWear(fromPy('\\x19\\x04\\x20\\x3e\\x53\\xc5\\x0c\\xfe\\x79\\x46\\x0c\\xfe\\x79\\xc6\\x00'), cfg({}));
    expectCloseVendor(inG(acc.readings[0]!.accMS2), [-3.3799, 15.9995, -15.9995], 'corrected acc');
    const gyr = decodeMetaWear(fromPy('\\x19\\x05\\x7a\\x56\\x91\\x42\\xb4\\x62\\x60\\xc2\\x73\\x34\\x04\\x44\\x00'), cfg({}));
    expectCloseVendor(inDps(gyr.readings[0]!.gyrRadS), [72.669, -56.096, 528.82], 'corrected gyro');
    const mag = decodeMetaWear(fromPy('\\x19\\x06\\x00\\x00\\x02\\x42\\xcd\\xcc\\x6c\\xc1\\x9a\\x99\\xed\\x41\\x03'), cfg({}));
    expectCloseVendor(mag.readings[0]!.magUT, [32.5, -14.8, 29.7], 'corrected mag');
  });

  it('test_dataprocessor.py TestAccounter.test_data_extraction (accounter over acc, 2 g)', () => {
    const r = decodeMetaWear(fromPy('\\x09\\x03\\x00\\xa6\\x33\\x0d\\x00\\xc1\\x00\\xb1\\x24\\x19\\xcd'), cfg({ accRangeG: 2 }));
    expectCloseVendor(inG(r.readings[0]!.accMS2), [0.0118, 0.573, -0.795], 'acc');
  });

  it('test_dataprocessor.py TestAccounter.test_time_offset: epoch deltas [10, 11, 8, 11, 10] ms', () => {
    const packets = [
      [0x09, 0x03, 0x00, 0xa6, 0x33, 0x0d, 0x00, 0xc1, 0x00, 0xb1, 0x24, 0x19, 0xcd],
      [0x09, 0x03, 0x00, 0xad, 0x33, 0x0d, 0x00, 0xd4, 0x00, 0x18, 0x25, 0xc0, 0xcc],
      [0x09, 0x03, 0x00, 0xb4, 0x33, 0x0d, 0x00, 0xc7, 0x00, 0x09, 0x25, 0xb2, 0xcc],
      [0x09, 0x03, 0x00, 0xba, 0x33, 0x0d, 0x00, 0xc5, 0x00, 0x17, 0x25, 0xbc, 0xcc],
      [0x09, 0x03, 0x00, 0xc1, 0x33, 0x0d, 0x00, 0xd4, 0x00, 0xe9, 0x24, 0xe4, 0xcc],
      [0x09, 0x03, 0x00, 0xc8, 0x33, 0x0d, 0x00, 0xaf, 0x00, 0xf7, 0x24, 0xe3, 0xcc],
    ];
    // The SDK rounds each epoch to whole milliseconds (logging.cpp), then the test takes differences.
    const epochsMs = packets.map((p) => Math.round(decodeMetaWear(bytes(...p), cfg({})).readings[0]!.deviceTimeS! * 1000));
    expect(epochsMs.slice(1).map((e, i) => e - epochsMs[i]!)).toEqual([10, 11, 8, 11, 10]);
  });
});

describe('MetaWear decoder on bad input (project cases, not vendor vectors)', () => {
  it('reports short, truncated and unknown packets instead of throwing', () => {
    expect(decodeMetaWear(bytes(0x03), cfg({})).problem?.kind).toBe('malformed');
    expect(decodeMetaWear(bytes(0x03, 0x04, 0x16, 0xc4), cfg({})).problem?.kind).toBe('malformed');
    expect(decodeMetaWear(bytes(0x03, 0x1c, 1, 2, 3, 4, 5, 6), cfg({})).problem?.kind).toBe('malformed');
    expect(decodeMetaWear(bytes(0x02, 0x01, 0x00), cfg({})).problem?.kind).toBe('unknown');
    expect(decodeMetaWear(bytes(0x19, 0x07, 0, 0), cfg({})).problem?.kind).toBe('malformed');
  });

  it('never throws on random bytes', () => {
    for (let n = 0; n < 2000; n++) {
      const len = n % 24;
      const b = Uint8Array.from({ length: len }, () => Math.floor(Math.random() * 256));
      if (n % 3 === 0 && len >= 2) b[0] = [0x03, 0x13, 0x15, 0x19, 0x09][n % 5]!;
      const r = decodeMetaWear(b, cfg({ chip: n % 2 ? 'bmi160' : 'bmi270' }));
      expect(r.problem !== undefined || r.readings.length > 0).toBe(true);
    }
  });
});
