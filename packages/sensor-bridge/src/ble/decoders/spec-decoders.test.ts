// Decoders for devices whose vendors publish layouts but no example packets (Thingy:52, Xsens DOT, the
// WitMotion 0x61 stream) are checked against vectors BUILT BY THIS PROJECT FROM THE SPEC; each test says
// so and names the document. The one vendor-published WitMotion example (magnetometer) is used verbatim.
import { describe, expect, it } from 'vitest';
import { decodeDot } from './dot';
import { decodeGeneric, encodeGeneric } from './generic';
import { decodeThingy52 } from './thingy52';
import { DEG_TO_RAD, STANDARD_GRAVITY_MS2 } from './types';
import { expectCloseVendor } from '../../../test/vendor-tolerance';
import { decodeWitFrame, decodeWitMotion, splitWitFrames } from './witmotion';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const g = STANDARD_GRAVITY_MS2;
const d = DEG_TO_RAD;

describe('Thingy:52 (vectors built from Nordic-Thingy52-FW ble_tms.h + m_motion.c Q formats; Nordic publishes none)', () => {
  it('raw 0406: acc 6Q10 g, gyro 11Q5 deg/s, compass 12Q4 uT (built from spec)', () => {
    // acc x=1024 (1 g), y=-512 (-0.5 g), z=0; gyro x=32 (1 dps), y=-3200 (-100 dps), z=0; mag x=16 (1 uT), y=-800 (-50 uT), z=0x7fff
    const r = decodeThingy52(h('0004 00fe 0000 2000 80f3 0000 1000 e0fc ff7f'), 'raw');
    expectCloseVendor(r.readings[0]!.accMS2, [g, -0.5 * g, 0], 'acc');
    expectCloseVendor(r.readings[0]!.gyrRadS, [d, -100 * d, 0], 'gyr');
    expectCloseVendor(r.readings[0]!.magUT, [1, -50, 32767 / 16], 'mag');
  });

  it('quaternion 0404: int32 2Q30 w,x,y,z (built from spec)', () => {
    // w = 2^30 (1.0), x = -2^29 (-0.5), y = 0, z = 2^28 (0.25)
    const r = decodeThingy52(h('00000040 000000e0 00000000 00000010'), 'quaternion');
    expect(r.readings[0]!.quat).toEqual([1, -0.5, 0, 0.25]);
  });

  it('wrong lengths are malformed', () => {
    expect(decodeThingy52(h('0004'), 'raw').problem?.kind).toBe('malformed');
    expect(decodeThingy52(new Uint8Array(18), 'quaternion').problem?.kind).toBe('malformed');
  });
});

describe('Xsens DOT (vectors built from XD0506P Rev F Tables 13-17; Xsens publishes none)', () => {
  it('mode 20 rate quantities with mag: u32 us timestamp, float32 acc m/s^2, float32 gyro deg/s (built from spec)', () => {
    // ts 123456789 us; acc 0.5, -1.25, 9.81; gyro 90, -45, 10 deg/s; mag 4096, -2048, 1024 (ignored: a.u.)
    const r = decodeDot(h('15cd5b07 0000003f 0000a0bf c3f51c41 0000b442 000034c2 00002041 0010 00f8 0004'), 'rate');
    expect(r.readings[0]!.deviceTimeS).toBeCloseTo(123.456789, 9);
    expectCloseVendor(r.readings[0]!.accMS2, [0.5, -1.25, 9.81], 'acc');
    expectCloseVendor(r.readings[0]!.gyrRadS, [90 * d, -45 * d, 10 * d], 'gyr');
  });

  it('mode 5 orientation quaternion: u32 timestamp then float32 w,x,y,z (built from spec)', () => {
    const r = decodeDot(h('d8feffff f304353f 00000000 f304353f 00000000'), 'orientation');
    expect(r.readings[0]!.deviceTimeS).toBeCloseTo(4294967000e-6, 9);
    expectCloseVendor(r.readings[0]!.quat, [Math.SQRT1_2, 0, Math.SQRT1_2, 0], 'quat');
  });

  it('a payload of the wrong length is malformed', () => {
    expect(decodeDot(new Uint8Array(33), 'rate').problem?.kind).toBe('malformed');
    expect(decodeDot(new Uint8Array(34), 'orientation').problem?.kind).toBe('malformed');
  });
});

describe('WitMotion WT901BLECL', () => {
  it('vendor example, WT901BLECL datasheet v20-0707 §6.1.2.1 "Magnetic Field Output": 55 71 3A 00 68 01 69 00 7A 00 ... -> x=360, y=105, z=122 (mG)', () => {
    const r = decodeWitFrame(h('55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 00 00'));
    // The datasheet gives raw mG; hinge reports uT (1 mG = 0.1 uT).
    expectCloseVendor(r.readings[0]!.magUT, [36, 10.5, 12.2], 'mag');
  });

  it('0x61 frame: a = raw/32768*16 g, w = raw/32768*2000 deg/s (built from the datasheet formulas)', () => {
    // ax = 2048 (1 g), ay = -1024 (-0.5 g), az = 0; wx = 16384 (1000 dps), wy = -164 (-10.0098 dps), wz = 0; angles ignored
    const r = decodeWitFrame(h('55 61 0008 00fc 0000 0040 5cff 0000 0000 0000 0000'));
    expectCloseVendor(r.readings[0]!.accMS2, [g, -0.5 * g, 0], 'acc');
    expectCloseVendor(r.readings[0]!.gyrRadS, [1000 * d, ((-164 / 32768) * 2000) * d, 0], 'gyr');
  });

  it('re-frames frames split across notifications and skips garbage between them', () => {
    const frame = h('55 61 0008 00fc 0000 0040 5cff 0000 0000 0000 0000');
    const stream = new Uint8Array([0x01, 0x02, ...frame, 0x55, ...frame.slice(0, 20), ...frame]);
    let carry: Uint8Array = new Uint8Array(0);
    let readings = 0;
    let problems = 0;
    for (let i = 0; i < stream.length; i += 7) {
      const { result, rest } = decodeWitMotion(carry, stream.slice(i, i + 7));
      carry = rest;
      readings += result.readings.length;
      if (result.problem) problems++;
    }
    expect(readings).toBe(3);
    expect(problems).toBeGreaterThan(0);
    expect(carry.length).toBe(0);
  });

  it('a 0x55 at the very end stays in `rest` until the next notification', () => {
    const first = splitWitFrames(new Uint8Array(0), h('55'));
    expect(first.frames).toHaveLength(0);
    expect(first.rest).toEqual(h('55'));
  });
});

describe('hinge open profile v1 (our own spec, docs/sensors.md)', () => {
  it('hand-written packet: header, two samples', () => {
    // flags 0x10 (v1, no mag); seq 65535; timeUs 1000000; rate 100 Hz
    // sample 0: acc 1000 mg, -500 mg, 0; gyr 900 (90 dps), -10 (-1 dps), 0
    // sample 1: acc 0, 0, -1000; gyr 0, 0, 1
    const r = decodeGeneric(h('10 ffff 40420f00 e803 0cfe 0000 8403 f6ff 0000 0000 0000 18fc 0000 0000 0100'), { rateHz: 100 });
    expect(r.problem).toBeUndefined();
    expect(r.readings).toHaveLength(2);
    expect(r.readings.map((x) => x.seq)).toEqual([65535, 0]);
    expect(r.readings[0]!.deviceTimeS).toBeCloseTo(1, 9);
    expect(r.readings[1]!.deviceTimeS).toBeCloseTo(1.01, 9);
    expectCloseVendor(r.readings[0]!.accMS2, [g, -0.5 * g, 0], 'acc');
    expectCloseVendor(r.readings[0]!.gyrRadS, [90 * d, -1 * d, 0], 'gyr');
    expectCloseVendor(r.readings[1]!.gyrRadS, [0, 0, 0.1 * d], 'gyr');
  });

  it('encodeGeneric and decodeGeneric agree (with magnetometer)', () => {
    const bytes = encodeGeneric({ seq: 7, timeUs: 42, samples: [{ accG: [0.1, 0.2, -1], gyrDps: [5, -5, 0.5], magUT: [20, -30, 40.5] }] });
    const r = decodeGeneric(bytes, { rateHz: 50 });
    expectCloseVendor(r.readings[0]!.magUT, [20, -30, 40.5], 'mag');
    expectCloseVendor(r.readings[0]!.accMS2, [0.1 * g, 0.2 * g, -g], 'acc');
  });

  it('rejects other versions and partial samples', () => {
    expect(decodeGeneric(h('20 0000 00000000 000000000000000000000000'), { rateHz: 100 }).problem?.kind).toBe('malformed');
    expect(decodeGeneric(h('10 0000 00000000 0000'), { rateHz: 100 }).problem?.kind).toBe('malformed');
    expect(decodeGeneric(h('10 0000'), { rateHz: 100 }).problem?.kind).toBe('malformed');
  });
});

describe('no decoder throws, whatever the bytes (property test)', () => {
  it('every decoder returns readings or a problem for arbitrary byte arrays', async () => {
    const fc = (await import('fast-check')).default;
    const { decodeMetaWear } = await import('./metawear');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ maxLength: 25 }), (bytes, carry) => {
        const results = [
          decodeMetaWear(bytes, { chip: 'bmi160', accRangeG: 8, gyrRangeDps: 1000 }),
          decodeMetaWear(bytes, { chip: 'bmi270', accRangeG: 2, gyrRangeDps: 125 }),
          decodeThingy52(bytes, 'raw'),
          decodeThingy52(bytes, 'quaternion'),
          decodeDot(bytes, 'rate'),
          decodeDot(bytes, 'orientation'),
          decodeGeneric(bytes, { rateHz: 100 }),
        ];
        for (const r of results) expect(r.problem !== undefined || r.readings.length > 0).toBe(true);
        // A WitMotion stream chunk may legitimately end inside a frame: then the bytes wait in `rest`.
        const wit = decodeWitMotion(carry, bytes);
        expect(wit.result.problem !== undefined || wit.result.readings.length > 0 || wit.rest.length > 0 || carry.length + bytes.length === 0).toBe(true);
        expect(wit.rest.length).toBeLessThan(20);
      }),
      { numRuns: 3000 },
    );
  });
});
