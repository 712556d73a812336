// Property-based fuzzing of every BLE packet decoder and of the sample clock: any bytes, any
// configuration, any arrival pattern. Nothing may throw out of a decoder (a bad packet comes back as
// `problem`), no state may grow without bound, and every time the clock hands out must be finite.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeDot, DOT_PAYLOAD, type DotPayloadMode } from '../packages/sensor-bridge/src/ble/decoders/dot';
import { decodeGeneric, encodeGeneric, GENERIC_HEADER_BYTES } from '../packages/sensor-bridge/src/ble/decoders/generic';
import { decodeMetaWear, METAWEAR_ACC_RANGES_G, METAWEAR_GYR_RANGES_DPS, MODULE } from '../packages/sensor-bridge/src/ble/decoders/metawear';
import { decodeThingy52 } from '../packages/sensor-bridge/src/ble/decoders/thingy52';
import { decodeWitMotion, splitWitFrames, WIT_FRAME_LENGTH } from '../packages/sensor-bridge/src/ble/decoders/witmotion';
import type { DecodeResult } from '../packages/sensor-bridge/src/ble/decoders/types';
import { createSampleClock } from '../packages/sensor-bridge/src/ble/clock';
import { fuzzParams } from './support/fuzz';

const bytes = (maxLength = 64) => fc.uint8Array({ minLength: 0, maxLength });

/** The shape every decoder promises: readings, and a problem only of a known kind. */
function expectWellFormed(result: DecodeResult): void {
  expect(Array.isArray(result.readings)).toBe(true);
  if (result.problem) {
    expect(['malformed', 'unknown']).toContain(result.problem.kind);
    expect(typeof result.problem.reason).toBe('string');
  }
  for (const r of result.readings) {
    for (const v of [r.accMS2, r.gyrRadS, r.magUT]) if (v) expect(v).toHaveLength(3);
    if (r.quat) expect(r.quat).toHaveLength(4);
  }
}

const isFiniteReading = (r: DecodeResult['readings'][number]) =>
  [r.accMS2, r.gyrRadS, r.magUT, r.quat].every((v) => v === undefined || v.every(Number.isFinite));

describe('decoders never throw on arbitrary bytes', () => {
  it('Xsens DOT: a wrong length is malformed; the right length always gives one reading', () => {
    fc.assert(
      fc.property(bytes(48), fc.constantFrom<DotPayloadMode>('rate', 'orientation'), (packet, mode) => {
        const result = decodeDot(packet, mode);
        expectWellFormed(result);
        if (packet.length === DOT_PAYLOAD[mode].length) expect(result.readings).toHaveLength(1);
        else expect(result.problem?.kind).toBe('malformed');
      }),
      fuzzParams(),
    );
  });

  it('open profile: any bytes decode or are malformed; integer fields always give finite readings', () => {
    fc.assert(
      fc.property(bytes(200), fc.integer({ min: 1, max: 1000 }), (packet, rateHz) => {
        const result = decodeGeneric(packet, { rateHz });
        expectWellFormed(result);
        expect(result.readings.every(isFiniteReading)).toBe(true);
        if (result.readings.length === 0) expect(result.problem?.kind).toBe('malformed');
        else expect(packet.length).toBeGreaterThan(GENERIC_HEADER_BYTES);
      }),
      fuzzParams(),
    );
  });

  it('open profile: encode then decode gives back seq, time and values within one wire unit', () => {
    const sample = fc.record({
      accG: fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 3, maxLength: 3 }),
      gyrDps: fc.array(fc.double({ min: -3000, max: 3000, noNaN: true }), { minLength: 3, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.array(sample, { minLength: 1, maxLength: 10 }), (seq, timeUs, samples) => {
        const result = decodeGeneric(encodeGeneric({ seq, timeUs, samples }), { rateHz: 100 });
        expect(result.problem).toBeUndefined();
        expect(result.readings).toHaveLength(samples.length);
        result.readings.forEach((r, i) => {
          expect(r.seq).toBe((seq + i) % 65536);
          // Values beyond the int16 wire range are clipped by the encoder, so compare with the clipped value.
          const accMg = samples[i]!.accG.map((g) => Math.max(-32.768, Math.min(32.767, g)));
          r.accMS2!.forEach((v, k) => expect(Math.abs(v / 9.80665 - accMg[k]!)).toBeLessThanOrEqual(0.0006));
        });
      }),
      fuzzParams(),
    );
  });

  it('MetaWear: any module/register/payload and any configured ranges', () => {
    const config = fc.record({
      chip: fc.constantFrom('bmi160' as const, 'bmi270' as const),
      accRangeG: fc.constantFrom(...METAWEAR_ACC_RANGES_G),
      gyrRangeDps: fc.constantFrom(...METAWEAR_GYR_RANGES_DPS),
    });
    // Half the packets start with a module hinge listens to, so the length checks get exercised.
    const packet = fc.oneof(
      bytes(40),
      fc.tuple(fc.constantFrom(...Object.values(MODULE)), fc.integer({ min: 0, max: 0x1f }), bytes(30)).map(([m, r, rest]) => Uint8Array.from([m, r, ...rest])),
    );
    fc.assert(
      fc.property(packet, config, (p, c) => {
        const result = decodeMetaWear(p, c);
        expectWellFormed(result);
        if (result.readings.length === 0) expect(result.problem).toBeDefined();
      }),
      fuzzParams(),
    );
  });

  it('Thingy:52: raw and quaternion streams', () => {
    fc.assert(
      fc.property(bytes(40), fc.constantFrom('raw' as const, 'quaternion' as const), (packet, stream) => {
        const result = decodeThingy52(packet, stream);
        expectWellFormed(result);
        expect(result.readings.every(isFiniteReading)).toBe(true);
        expect(result.readings.length === 1 || result.problem?.kind === 'malformed').toBe(true);
      }),
      fuzzParams(),
    );
  });
});

describe('WitMotion re-framing', () => {
  const frame = fc
    .tuple(fc.constantFrom(0x61, 0x71), fc.uint8Array({ minLength: 18, maxLength: 18 }))
    .map(([flag, body]) => Uint8Array.from([0x55, flag, ...body]));
  /** A byte stream of whole frames and garbage, as BLE might deliver it. */
  const stream = fc.array(fc.oneof(frame, bytes(25)), { maxLength: 12 }).map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

  it('the carried rest never reaches a whole frame (no unbounded buffer), whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(bytes(60), { maxLength: 30 }), (notifications) => {
        let carry: Uint8Array = new Uint8Array(0);
        for (const n of notifications) {
          const { result, rest } = decodeWitMotion(carry, n);
          expectWellFormed(result);
          expect(rest.length).toBeLessThan(WIT_FRAME_LENGTH);
          carry = rest;
        }
      }),
      fuzzParams(),
    );
  });

  it('cutting the byte stream into notifications anywhere gives the same frames as one piece', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), (data, cuts) => {
        const whole = splitWitFrames(new Uint8Array(0), data);
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        let carry: Uint8Array = new Uint8Array(0);
        const frames: Uint8Array[] = [];
        let from = 0;
        for (const to of [...points, data.length]) {
          const part = splitWitFrames(carry, data.subarray(from, to));
          frames.push(...part.frames);
          carry = part.rest;
          from = to;
        }
        expect(frames.map((f) => Buffer.from(f).toString('hex'))).toEqual(whole.frames.map((f) => Buffer.from(f).toString('hex')));
      }),
      fuzzParams(),
    );
  });
});

describe('sample clock', () => {
  // Arrival gaps (s) with BLE-like batching, stalls and the odd long pause.
  const gap = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.05, noNaN: true }), fc.double({ min: 0, max: 30, noNaN: true }));
  const device = fc.record({ deviceTimeS: fc.option(fc.double({ min: 0, max: 2 ** 32 / 1e6, noNaN: true }), { nil: undefined }), seq: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }) });

  it('hands out finite times and whole, non-negative loss counts for any arrivals and device stamps; its envelope stays bounded', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(0.01, 0.005, 1 / 60),
        fc.array(fc.tuple(gap, device), { minLength: 1, maxLength: 400 }),
        (hasDeviceTime, periodS, packets) => {
          const clock = createSampleClock({ periodS, hasDeviceTime, deviceWrapS: 2 ** 32 / 1e6, seqModulo: 65536 });
          let arrivalS = 1000;
          for (const [dt, d] of packets) {
            arrivalS += dt;
            const stamp = clock.stamp(arrivalS, d);
            expect(Number.isFinite(stamp.t)).toBe(true);
            expect(Number.isInteger(stamp.lostBefore) && stamp.lostBefore >= 0).toBe(true);
          }
          const state = clock.state;
          if (state.kind === 'arrival') expect(state.envelope.length).toBeLessThanOrEqual(50);
        },
      ),
      fuzzParams(0.3),
    );
  });
});
