// Property-based fuzzing of the streaming analysis (createSessionAnalyzer) with lines the recording
// validator accepts: any finite numbers (huge, zero, denormal), non-unit quaternions, repeated and
// jumping timestamps, events at any time, unknown sensors. Nothing may throw, and everything it hands
// out (angles, events, the final document) must hold only finite numbers, so it can go to JSON.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSessionAnalyzer } from '@hinge/analysis';
import { createLineValidator, SETTINGS_BOUNDS, type RecordingHeader, type RecordingLine, type Vec3 } from '@hinge/protocol';
import { simulateSession } from '@hinge/simulator';
import { fuzzParams, fuzzTimeoutMs } from './support/fuzz';

const header: RecordingHeader = {
  format: 'hinge-recording',
  version: 1,
  startedAt: '2026-01-05T09:00:00.000Z',
  sensors: [
    { id: 'sacrum', placement: 'sacrum', sampleRateHz: 100 },
    { id: 'thoracic', placement: 'thoracic', sampleRateHz: 100 },
    { id: 'wrist', placement: 'wrist' },
  ],
};

/** Paths to every number that is not finite (JSON would silently turn it into null). */
function nonFinite(value: unknown, at = '$'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFinite(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nonFinite(v, `${at}.${k}`));
  return [];
}

/** Pushes lines, draining outputs as a live session does, and checks every output. */
function runAndCheck(lines: RecordingLine[], settings: { lumbarLimitDeg?: number } = {}): void {
  const analyzer = createSessionAnalyzer(header, settings);
  const validator = createLineValidator(header);
  const invalidInput: string[] = [];
  const problems: string[] = [];
  for (const line of lines) {
    const valid = validator.validate(line);
    if (!valid.ok) invalidInput.push(valid.reason); // the generators must only make schema-valid lines
    analyzer.push(line);
    for (const a of analyzer.takeAngles()) {
      if (!Number.isFinite(a.t)) problems.push(`angle t ${a.t}`);
      for (const v of [a.pelvisDeg, a.trunkDeg, a.lumbarDeg]) if (v !== null && !Number.isFinite(v)) problems.push(`angle ${v} at t ${a.t}`);
    }
    problems.push(...nonFinite(analyzer.takeEvents(), 'events'));
  }
  const doc = analyzer.finish();
  problems.push(...nonFinite(doc, 'document'), ...nonFinite(analyzer.takeEvents(), 'final events'));
  expect(invalidInput).toEqual([]);
  expect(problems.slice(0, 5)).toEqual([]);
}

// Any finite value, from denormals to 1.8e308 (float32 sensors top out at 3.4e38), and ordinary ones.
const finite = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -20, max: 20, noNaN: true }),
  fc.constantFrom(0, -0, 9.81, 5e-324, 1e-310, 3.4e38, -3.4e38, 1e300, -1e300),
);
const vec3 = fc.tuple(finite, finite, finite);
const quat = fc.tuple(finite, finite, finite, finite);

/** Per-sensor non-decreasing times with repeats, tiny steps and jumps; sensors interleaved freely. */
const garbageLines = fc
  .array(
    fc.record({
      kind: fc.constantFrom('sample', 'sample', 'sample', 'event'),
      sensor: fc.constantFrom('sacrum', 'thoracic', 'wrist'),
      dt: fc.oneof(fc.constant(0), fc.constant(0.01), fc.double({ min: 0, max: 0.05, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true })),
      imu: fc.option(fc.tuple(vec3, vec3), { nil: undefined }),
      quat: fc.option(quat, { nil: undefined }),
      event: fc.constantFrom('calibrate', 'set-start', 'set-end', 'disconnect', 'reconnect', 'note', 'settings'),
    }),
    { maxLength: 300 },
  )
  .map((specs) => {
    const lastT = new Map<string, number>();
    let now = 0;
    const lines: RecordingLine[] = [];
    for (const s of specs) {
      const t = Math.max(now, lastT.get(s.sensor) ?? 0) + s.dt;
      if (s.kind === 'event') {
        lines.push({ t, event: s.event });
        continue;
      }
      if (!s.imu && !s.quat) continue;
      const line: RecordingLine = { t, sensor: s.sensor };
      if (s.imu) [line.acc, line.gyr] = s.imu;
      if (s.quat) line.quat = s.quat;
      lines.push(line);
      lastT.set(s.sensor, t);
      now = Math.max(now, t - 0.05); // lets the other sensor lag a little behind
    }
    return lines;
  });

describe('session analyzer with garbage but schema-valid lines', () => {
  it('never throws and hands out only finite numbers', () => {
    fc.assert(
      fc.property(garbageLines, fc.option(fc.double({ min: SETTINGS_BOUNDS.lumbarLimitDeg.min, max: SETTINGS_BOUNDS.lumbarLimitDeg.max, noNaN: true }), { nil: undefined }), (lines, lumbarLimitDeg) => {
        runAndCheck(lines, lumbarLimitDeg === undefined ? {} : { lumbarLimitDeg });
      }),
      fuzzParams(0.5),
    );
  }, fuzzTimeoutMs(30_000));
});

describe('session analyzer with a real session, randomly damaged', () => {
  // One short simulated session (calibration, three hinges); each case damages a copy of it.
  const base = simulateSession({ seed: 42, script: [{ kind: 'stand', durationS: 4, calibrate: true }, { kind: 'hinge' }, { kind: 'rounded' }, { kind: 'squat' }, { kind: 'stand', durationS: 2 }] }).lines;
  const damage = fc.record({
    from: fc.nat({ max: base.length - 1 }),
    length: fc.integer({ min: 1, max: 600 }),
    kind: fc.constantFrom('zero', 'spike', 'freeze-time', 'drop', 'saturate', 'shift-forward'),
    sensor: fc.constantFrom('sacrum', 'thoracic'),
    value: finite,
  });

  type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

  function apply(lines: RecordingLine[], d: Damage): RecordingLine[] {
    const out: RecordingLine[] = [];
    let shiftS = 0;
    let frozenT: number | undefined;
    for (const [i, line] of lines.entries()) {
      const hit = i >= d.from && i < d.from + d.length && 'sensor' in line && line.sensor === d.sensor && !('event' in line);
      if (!hit) {
        out.push(shiftS && 'sensor' in line && line.sensor === d.sensor ? { ...line, t: line.t + shiftS } : line);
        continue;
      }
      const v = d.value;
      switch (d.kind) {
        case 'zero':
          out.push({ ...line, acc: [0, 0, 0], gyr: [0, 0, 0] });
          break;
        case 'spike':
          out.push({ ...line, acc: [v, -v, v] as Vec3, gyr: [v, v, -v] as Vec3 });
          break;
        case 'saturate':
          out.push({ ...line, acc: [156.9, -156.9, 156.9], gyr: [34.9, -34.9, 34.9] });
          break;
        case 'freeze-time':
          frozenT ??= line.t;
          out.push({ ...line, t: frozenT });
          break;
        case 'drop':
          break;
        case 'shift-forward':
          shiftS = Math.abs(v) % 60;
          out.push({ ...line, t: line.t + shiftS });
          break;
      }
    }
    // Keep the input schema-valid: each sensor's t must not go back (a forward shift can overlap).
    const lastT = new Map<string, number>();
    return out.filter((l) => {
      if ('event' in l || !('sensor' in l)) return true;
      const ok = l.t >= (lastT.get(l.sensor) ?? -Infinity);
      if (ok) lastT.set(l.sensor, l.t);
      return ok;
    });
  }

  it('never throws and hands out only finite numbers', () => {
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (damages) => {
        runAndCheck(damages.reduce(apply, base));
      }),
      fuzzParams(0.1),
    );
  }, fuzzTimeoutMs(60_000));
});

describe('a weakness found by fuzzing, fixed', () => {
  // A gyroscope component of 1e155 or more (finite, so the recording validator accepts it) used to overflow
  // the squared rate in the orientation filter and leave the segment's orientation NaN for the rest of the
  // session. The segment tracker now drops readings beyond any IMU's range.
  it('one absurd gyroscope sample does not poison the rest of the session', () => {
    const base = simulateSession({ seed: 42, script: [{ kind: 'stand', durationS: 4, calibrate: true }, { kind: 'hinge' }, { kind: 'stand', durationS: 2 }] }).lines;
    const at = base.findIndex((l) => 'sensor' in l && l.sensor === 'sacrum' && l.t > 3);
    runAndCheck(base.map((l, i) => (i === at ? { ...l, gyr: [1e200, -1e200, 1e200] } : l)));
  });
});

describe('a weakness found by the property above, fixed', () => {
  // Seed 20261124: a sacrum accelerometer reading almost nothing (|acc| ~ 1e-300, a dead sensor) through the
  // calibration stand made the neutral gravity a denormal that the sacrum's vertical acceleration was divided
  // by, so knee-dominance values became NaN. A neutral gravity under 0.5 now means "no vertical acceleration".
  it('a sacrum accelerometer reading ~0 during calibration still gives finite rep values', () => {
    const base = simulateSession({ seed: 42, script: [{ kind: 'stand', durationS: 4, calibrate: true }, { kind: 'hinge' }, { kind: 'rounded' }, { kind: 'squat' }, { kind: 'stand', durationS: 2 }] }).lines;
    runAndCheck(base.map((l, i) => (i >= 3 && i < 307 && 'sensor' in l && l.sensor === 'sacrum' ? { ...l, acc: [5e-324, -5e-324, 5e-324], gyr: [5e-324, 5e-324, -5e-324] } : l)));
  });
});
