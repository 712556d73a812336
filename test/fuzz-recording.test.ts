// Property-based fuzzing of the recording format: the pure line validator with any JSON value, and the
// streaming reader with damaged files (bytes flipped, cut off, garbage lines, gzip cut short, random
// text) and hostile ones (absurd times, over-long lines, absurd sensor counts). The only error that may
// leave the reader is RecordingLineError (bad header; strict mode's first bad line; an over-long line);
// lenient mode reads to the end and every line it hands out is valid and in per-sensor order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLineValidator, MAX_RECORDING_T_S, type RecordingHeader, type RecordingLine } from '@hinge/protocol';
import { analyzeRecordingLines } from '@hinge/analysis';
import { MAX_EMPTY_SPAN_S } from '../packages/analysis/src/body/time-grid';
import { MAX_BAD_LINES, MAX_HEADER_SENSORS, MAX_READER_WARNINGS, openRecording, RecordingLineError } from '../packages/sensor-bridge/src/recording/reader';
import { MAX_LINE_CHARS } from '../packages/sensor-bridge/src/recording/lines';
import { fuzzParams, fuzzTimeoutMs } from './support/fuzz';

const dir = mkdtempSync(path.join(tmpdir(), 'hinge-fuzz-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header: RecordingHeader = {
  format: 'hinge-recording',
  version: 1,
  startedAt: '2026-01-05T09:00:00.000Z',
  sensors: [
    { id: 'sacrum', placement: 'sacrum', sampleRateHz: 100 },
    { id: 'thoracic', placement: 'thoracic', sampleRateHz: 100 },
  ],
};

/** A small valid recording's text: samples of both sensors, a calibrate event. */
function validText(samples: number): string {
  const lines: RecordingLine[] = [{ t: 0, event: 'calibrate' }];
  for (let i = 0; i < samples; i++) {
    for (const sensor of ['sacrum', 'thoracic']) lines.push({ t: i / 100, sensor, acc: [0.1, 0.2, 9.8], gyr: [0.01, -0.02, 0.003] });
  }
  return [header, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n';
}

/** Damage done to a valid file. */
const damage = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 80 }) }),
  fc.record({ kind: fc.constant('garbage' as const), text: fc.string({ unit: 'binary', maxLength: 300 }) }),
);

type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function damaged(text: string, d: Damage): Buffer {
  const buf = Buffer.from(text);
  switch (d.kind) {
    case 'flip': {
      for (const [at, value] of d.at) buf[at % buf.length] = value;
      return buf;
    }
    case 'cut':
      return buf.subarray(0, d.at % (buf.length + 1));
    case 'insert': {
      const lines = text.split('\n');
      lines.splice(d.at % lines.length, 0, d.text);
      return Buffer.from(lines.join('\n'));
    }
    case 'garbage':
      return Buffer.from(d.text, 'latin1');
  }
}

/** Reads a file with the given mode; returns the lines, or the RecordingLineError it stopped with. */
async function readAll(
  file: string,
  mode: 'strict' | 'lenient',
  onWarning?: (message: string) => void,
): Promise<{ lines: RecordingLine[]; badLines: number } | { error: RecordingLineError }> {
  try {
    const opened = await openRecording(file, { mode, ...(onWarning ? { onWarning } : {}) });
    const lines: RecordingLine[] = [];
    for await (const batch of opened.batches) lines.push(...batch);
    return { lines, badLines: opened.stats.badLines };
  } catch (error) {
    if (error instanceof RecordingLineError) return { error };
    throw error; // anything else is a finding
  }
}

/** Every line handed out is valid by itself, and each sensor's t never goes back. */
function expectValidLines(lines: RecordingLine[]): void {
  const validator = createLineValidator(header);
  for (const line of lines) expect(validator.validate(line)).toMatchObject({ ok: true });
}

describe('line validator', () => {
  it('never throws on any JSON value, and accepts only what it types', () => {
    const validator = createLineValidator(header);
    const sensorish = fc.record(
      {
        t: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
        sensor: fc.oneof(fc.constantFrom('sacrum', 'thoracic', 'nope'), fc.anything()),
        event: fc.oneof(fc.string(), fc.anything()),
        acc: fc.oneof(fc.array(fc.double(), { maxLength: 4 }), fc.anything()),
        gyr: fc.oneof(fc.array(fc.double(), { maxLength: 4 }), fc.anything()),
        quat: fc.array(fc.double(), { maxLength: 5 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), sensorish), (value) => {
        const result = validator.validate(value);
        if (result.ok) {
          expect(Number.isFinite(result.value.t)).toBe(true);
        } else {
          expect(result.reason.length).toBeGreaterThan(0);
        }
      }),
      fuzzParams(),
    );
  });
});

describe('reader on damaged files', () => {
  it(
    'lenient mode reads any damaged file to its end (or rejects its header) and yields only valid lines',
    async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 40 }), damage, fc.boolean(), async (samples, d, gz) => {
          const raw = damaged(validText(samples), d);
          const file = path.join(dir, `f${n++}.jsonl${gz ? '.gz' : ''}`);
          // A gzip file is damaged after compression too: cut short like a crash mid-write.
          writeFileSync(file, gz ? gzipSync(raw).subarray(0, d.kind === 'cut' ? (d.at % 200) + 10 : undefined) : raw);
          const result = await readAll(file, 'lenient');
          if ('lines' in result) expectValidLines(result.lines);
          else expect(result.error.line).toBeLessThanOrEqual(1);
          rmSync(file);
        }),
        fuzzParams(0.5),
      );
    },
    fuzzTimeoutMs(20_000),
  );

  it(
    'strict mode stops with RecordingLineError naming a line, never anything else',
    async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 20 }), damage, async (samples, d) => {
          const file = path.join(dir, `s${n++}.jsonl`);
          writeFileSync(file, damaged(validText(samples), d));
          const result = await readAll(file, 'strict');
          if ('lines' in result) expectValidLines(result.lines);
          else expect(result.error.message).toContain(file);
          rmSync(file);
        }),
        fuzzParams(0.3),
      );
    },
    fuzzTimeoutMs(10_000),
  );

  it(
    'hostile files: an absurd time costs only its own line; an over-long line or a header with too many sensors is an error naming the line',
    async () => {
      let n = 0;
      const hostile = fc.oneof(
        fc.record({ kind: fc.constant('absurd-t' as const), at: fc.nat(), t: fc.oneof(fc.constantFrom(1e308, -1e308, 1e7, Number.MAX_VALUE), fc.double({ min: 1e6 + 1, max: 1e300, noNaN: true })) }),
        fc.record({ kind: fc.constant('long-line' as const), at: fc.nat(), extra: fc.integer({ min: 1, max: 4096 }), newline: fc.boolean() }),
        fc.record({ kind: fc.constant('many-sensors' as const), count: fc.integer({ min: MAX_HEADER_SENSORS + 1, max: 20_000 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 30 }), hostile, fc.boolean(), async (samples, h, gz) => {
          const lines = validText(samples).trimEnd().split('\n');
          const at = 'at' in h ? 2 + (h.at % (lines.length - 2)) : 0; // a sample line (index in `lines`; line number at + 1)
          if (h.kind === 'absurd-t') lines[at] = JSON.stringify({ ...JSON.parse(lines[at]!), t: h.t });
          if (h.kind === 'long-line') lines.splice(at, 0, 'x'.repeat(MAX_LINE_CHARS + h.extra) + (h.newline ? '' : lines.splice(at, 1)[0]));
          if (h.kind === 'many-sensors') lines[0] = JSON.stringify({ ...header, sensors: Array.from({ length: h.count }, (_, i) => ({ id: `s${i}`, placement: 'x' })) });
          const text = lines.join('\n') + '\n';
          const file = path.join(dir, `h${n++}.jsonl${gz ? '.gz' : ''}`);
          writeFileSync(file, gz ? gzipSync(text) : text);
          const result = await readAll(file, 'lenient');
          if (h.kind === 'absurd-t') {
            expect('lines' in result && result.lines.length).toBe(lines.length - 2); // header and the absurd line
            if ('lines' in result) expectValidLines(result.lines);
          } else if (h.kind === 'long-line') {
            expect('error' in result && [result.error.line, result.error.reason]).toEqual([at + 1, `line is longer than ${MAX_LINE_CHARS} characters`]);
          } else {
            expect('error' in result && result.error.line).toBe(1);
            expect('error' in result && result.error.reason).toMatch(new RegExp(`^header lists ${h.count} sensors`));
          }
          rmSync(file);
        }),
        fuzzParams(0.05),
      );
    },
    fuzzTimeoutMs(30_000),
  );

  it(
    'one sample whose time spikes ahead (issue #17): only that line is lost, whatever the spike and wherever it is',
    async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 3, max: 30 }), fc.nat(), fc.double({ min: 1, max: MAX_RECORDING_T_S, noNaN: true }), fc.boolean(), async (samples, pick, t, gz) => {
          const lines = validText(samples).trimEnd().split('\n');
          const at = 2 + (pick % (lines.length - 2)); // any sample, the file's first and each sensor's first included
          const spiked = JSON.parse(lines[at]!) as { t: number; sensor: string };
          lines[at] = JSON.stringify({ ...spiked, t });
          const text = lines.join('\n') + '\n';
          const file = path.join(dir, `k${n++}.jsonl${gz ? '.gz' : ''}`);
          writeFileSync(file, gz ? gzipSync(text) : text);
          const warnings: string[] = [];
          const result = await readAll(file, 'lenient', (w) => warnings.push(w));
          const wanted = lines.slice(1).map((l) => JSON.parse(l) as RecordingLine);
          const lastOfSensor = !lines.slice(at + 1).some((l) => l.includes(`"sensor":"${spiked.sensor}"`));
          // The sensor's last sample has nothing after it to contradict it: kept, as a gap would be.
          if (!lastOfSensor) wanted.splice(at - 1, 1);
          expect('lines' in result && result.lines).toEqual(wanted);
          expect(warnings).toEqual(lastOfSensor ? [] : [expect.stringContaining(`${file}:${at + 1}: t=${t} is a spike for sensor "${spiked.sensor}"`)]);
          rmSync(file);
        }),
        fuzzParams(0.3),
      );
    },
    fuzzTimeoutMs(10_000),
  );

  it(
    'gzip damaged after compression (bytes flipped, cut, junk or more members appended): valid lines or a line error naming no folder',
    async () => {
      let n = 0;
      const gzDamage = fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('junk' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
        fc.record({ kind: fc.constant('member' as const), text: fc.oneof(fc.constant('{"t":1,"event":"calibrate"}\n'), fc.string({ maxLength: 60 })) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 40 }), gzDamage, async (samples, d) => {
          let gz = gzipSync(validText(samples));
          if (d.kind === 'flip') for (const [at, v] of d.at) gz[at % gz.length] = v;
          if (d.kind === 'cut') gz = gz.subarray(0, d.at % (gz.length + 1));
          if (d.kind === 'junk') gz = Buffer.concat([gz, d.bytes]);
          if (d.kind === 'member') gz = Buffer.concat([gz, gzipSync(d.text)]);
          const file = path.join(dir, `g${n++}.jsonl.gz`);
          writeFileSync(file, gz);
          const result = await readAll(file, 'lenient');
          if ('lines' in result) expectValidLines(result.lines);
          else {
            expect(result.error.reason.length).toBeGreaterThan(0);
            expect(result.error.reason).not.toContain(dir); // what clients see (lineAndReason) names no server folder
            expect(result.error.lineAndReason).not.toMatch(/\n/);
          }
          rmSync(file);
        }),
        fuzzParams(0.3),
      );
    },
    fuzzTimeoutMs(10_000),
  );

  it(
    'a flood of bad lines (gzip bomb in the small): at most MAX_READER_WARNINGS warnings, every bad line counted, or the give-up error',
    async () => {
      let n = 0;
      const badLine = fc.constantFrom('not json', '{"t":1e999,"sensor":"sacrum","acc":[0,0,9.8],"gyr":[0,0,0]}', '{"t":NaN}', '{"t":1,"sensor":"nope","acc":[0,0,1],"gyr":[0,0,0]}', '[]', '{}');
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ arbitrary: fc.integer({ min: 0, max: 400 }), weight: 9 }, { arbitrary: fc.integer({ min: MAX_BAD_LINES - 5, max: MAX_BAD_LINES + 20 }), weight: 1 }),
          fc.integer({ min: 0, max: 30 }),
          badLine,
          fc.boolean(),
          async (bad, good, junk, gz) => {
            const text = validText(good).trimEnd() + '\n' + `${junk}\n`.repeat(bad);
            const file = path.join(dir, `b${n++}.jsonl${gz ? '.gz' : ''}`);
            writeFileSync(file, gz ? gzipSync(text) : text);
            let warnings = 0;
            const result = await readAll(file, 'lenient', () => warnings++);
            expect(warnings).toBeLessThanOrEqual(MAX_READER_WARNINGS);
            if (bad > MAX_BAD_LINES) {
              expect('error' in result && result.error.reason).toMatch(/^too many bad lines/);
            } else {
              expect('lines' in result && [result.lines.length, result.badLines]).toEqual([good * 2 + 1, bad]);
              expect(warnings).toBe(Math.min(bad, MAX_READER_WARNINGS));
            }
            rmSync(file);
          },
        ),
        fuzzParams(0.05),
      );
    },
    fuzzTimeoutMs(30_000),
  );

  it(
    'any times (jumps back and forward, repeats, 1e308, 1e999, -0, denormals): finite ordered times come out, and their analysis costs frames only where there is data',
    async () => {
      let n = 0;
      const time = fc.oneof(
        { arbitrary: fc.double({ min: -5, max: 60, noNaN: true }), weight: 6 },
        { arbitrary: fc.double({ min: 60, max: MAX_RECORDING_T_S, noNaN: true }), weight: 1 },
        { arbitrary: fc.constantFrom('1e308', '-1e308', '1e999', '-1e999', '-0', '5e-324', '999999.99', '1000000.0001', '1e6'), weight: 1 },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('sacrum', 'thoracic'), time), { minLength: 1, maxLength: 80 }), async (samples) => {
          const lines = samples.map(([sensor, t]) => `{"t":${typeof t === 'string' ? t : JSON.stringify(t)},"sensor":"${sensor}","acc":[0.1,0.2,9.8],"gyr":[0.01,-0.02,0.003]}`);
          const file = path.join(dir, `t${n++}.jsonl`);
          writeFileSync(file, [JSON.stringify(header), ...lines].join('\n') + '\n');
          const result = await readAll(file, 'lenient');
          expect('lines' in result).toBe(true);
          if (!('lines' in result)) return;
          expect(result.lines.length + result.badLines).toBe(samples.length);
          const last = new Map<string, number>();
          for (const line of result.lines) {
            expect(Number.isFinite(line.t) && Math.abs(line.t) <= MAX_RECORDING_T_S).toBe(true);
            const sensor = (line as { sensor: string }).sensor;
            expect(line.t).toBeGreaterThanOrEqual(last.get(sensor) ?? -Infinity);
            last.set(sensor, line.t);
          }
          // The analysis of what was read: never throws, and emits frames only where a sensor has data
          // (a gap of both longer than MAX_EMPTY_SPAN_S is skipped, not filled every 10 ms).
          const doc = analyzeRecordingLines(header, result.lines, {}, { angles: true });
          const times = [...new Set(result.lines.map((l) => l.t))].sort((a, b) => a - b);
          let coveredS = 0;
          for (let i = 1; i < times.length; i++) coveredS += Math.min(times[i]! - times[i - 1]!, MAX_EMPTY_SPAN_S + 0.02);
          expect(doc.angles?.t.length ?? 0).toBeLessThanOrEqual(Math.ceil(coveredS * 100) + 2 * times.length + 2);
          rmSync(file);
        }),
        fuzzParams(0.1),
      );
    },
    fuzzTimeoutMs(30_000),
  );

  it('an undamaged file is read whole in both modes (the property above is not vacuous)', async () => {
    const file = path.join(dir, 'whole.jsonl');
    writeFileSync(file, validText(30));
    for (const mode of ['strict', 'lenient'] as const) {
      const result = await readAll(file, mode);
      expect('lines' in result && result.lines.length).toBe(61);
    }
  });
});
