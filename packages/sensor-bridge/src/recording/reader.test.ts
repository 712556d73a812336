import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_BAD_LINES, MAX_HEADER_SENSORS, MAX_READER_WARNINGS, openRecording, readRecording, RecordingLineError } from './reader';
import { MAX_LINE_CHARS } from './lines';
import { RecordingWriter, writeRecordingFile } from './writer';
import { MAX_SPIKE_LOOKAHEAD_LINES, type RecordingHeader } from '@hinge/protocol';

const dir = mkdtempSync(path.join(tmpdir(), 'hinge-reader-'));
const header: RecordingHeader = {
  format: 'hinge-recording',
  version: 1,
  startedAt: '2026-11-24T10:00:00.000Z',
  sensors: [
    { id: 'sacrum', placement: 'sacrum', model: 'thingy52', sampleRateHz: 100 },
    { id: 'thoracic', placement: 'thoracic', model: 'thingy52', sampleRateHz: 100 },
  ],
};
const sample = (t: number, sensor = 'sacrum') => JSON.stringify({ t, sensor, acc: [0, 0, 9.81], gyr: [0, 0, 0] });
let n = 0;
function file(lines: string[], name = `r${++n}.jsonl`): string {
  const f = path.join(dir, name);
  writeFileSync(f, lines.join('\n'));
  return f;
}

async function firstError(f: string): Promise<string> {
  try {
    await readRecording(f);
  } catch (e) {
    expect(e).toBeInstanceOf(RecordingLineError);
    return (e as Error).message;
  }
  throw new Error('expected the strict read to fail');
}

describe('recording reader', () => {
  it('reads a well-formed file, header and lines', async () => {
    const f = file([JSON.stringify(header), sample(0), sample(0.01, 'thoracic'), '{"t":0.02,"event":"calibrate","detail":{"kind":"standing"}}', '']);
    const r = await readRecording(f);
    expect(r.header.sensors).toHaveLength(2);
    expect(r.lines).toHaveLength(3);
    expect(r.stats).toEqual({ lines: 3, badLines: 0, truncated: false });
  });

  it('names file, line and reason for a garbage line', async () => {
    const f = file([JSON.stringify(header), sample(0), 'garbage{', sample(0.02)]);
    expect(await firstError(f)).toBe(`${f}:3: not valid JSON`);
  });

  it('rejects an unknown sensor id', async () => {
    const f = file([JSON.stringify(header), sample(0, 'thigh')]);
    expect(await firstError(f)).toBe(`${f}:2: unknown sensor id "thigh"`);
  });

  it('rejects non-finite numbers (NaN written as null by JSON.stringify, or as a bare NaN)', async () => {
    const f1 = file([JSON.stringify(header), JSON.stringify({ t: 0, sensor: 'sacrum', acc: [NaN, 0, 9.8], gyr: [0, 0, 0] })]);
    expect(await firstError(f1)).toBe(`${f1}:2: acc[0] is not a finite number`);
    const f2 = file([JSON.stringify(header), '{"t":0,"sensor":"sacrum","acc":[NaN,0,9.8],"gyr":[0,0,0]}', sample(0.01)]);
    expect(await firstError(f2)).toBe(`${f2}:2: not valid JSON`);
  });

  it('rejects time going backwards for a sensor, but not across sensors', async () => {
    const f = file([JSON.stringify(header), sample(1.0), sample(0.5, 'thoracic'), sample(0.9)]);
    expect(await firstError(f)).toBe(`${f}:4: t went backwards for sensor "sacrum" (0.9 after 1)`);
  });

  it('rejects a sample with gyr but no acc', async () => {
    const f = file([JSON.stringify(header), JSON.stringify({ t: 0, sensor: 'sacrum', gyr: [0, 0, 0] })]);
    expect(await firstError(f)).toBe(`${f}:2: sample has gyr but no acc`);
  });

  it('reads a file saved with a UTF-8 byte-order mark', async () => {
    const f = file(['\uFEFF' + JSON.stringify(header), sample(0)]);
    expect((await readRecording(f)).lines).toHaveLength(1);
  });

  it('rejects a bad header with line 1', async () => {
    const f = file([JSON.stringify({ ...header, format: 'csv' }), sample(0)]);
    expect(await firstError(f)).toBe(`${f}:1: header format is "csv", expected "hinge-recording"`);
  });

  it('lenient mode skips bad lines, counts them and warns with the same message', async () => {
    const f = file([JSON.stringify(header), sample(0), 'oops', sample(0.01, 'knee'), sample(0.02)]);
    const warnings: string[] = [];
    const r = await readRecording(f, { mode: 'lenient', onWarning: (w) => warnings.push(w) });
    expect(r.lines).toHaveLength(2);
    expect(r.stats.badLines).toBe(2);
    expect(warnings).toEqual([`${f}:3: not valid JSON (skipped)`, `${f}:4: unknown sensor id "knee" (skipped)`]);
  });

  it('reads a file cut off mid-line up to its last whole line, with a warning', async () => {
    const f = file([JSON.stringify(header), sample(0), sample(0.01), '{"t":0.02,"sensor":"sacr']);
    const warnings: string[] = [];
    const r = await readRecording(f, { onWarning: (w) => warnings.push(w) });
    expect(r.lines).toHaveLength(2);
    expect(r.stats.truncated).toBe(true);
    expect(warnings).toEqual([`${f}:4: file ends mid-line (last line is incomplete); read up to line 3`]);
  });

  it('reads .jsonl.gz, and a gzip stream cut off by a crash up to what was decoded', async () => {
    const text = [JSON.stringify(header), ...Array.from({ length: 2000 }, (_, i) => sample(i * 0.01))].join('\n') + '\n';
    const gz = gzipSync(Buffer.from(text));
    const whole = path.join(dir, 'whole.jsonl.gz');
    writeFileSync(whole, gz);
    expect((await readRecording(whole)).lines).toHaveLength(2000);
    const cut = path.join(dir, 'cut.jsonl.gz');
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const r = await readRecording(cut);
    expect(r.stats.truncated).toBe(true);
    expect(r.lines.length).toBeGreaterThan(100);
    expect(r.lines.length).toBeLessThan(2000);
  });

  it('streams in batches without reading the whole file first', async () => {
    const lines = [header, ...Array.from({ length: 50_000 }, (_, i) => JSON.parse(sample(i * 0.01)))];
    const f = path.join(dir, 'big.jsonl');
    await writeRecordingFile(f, header, lines.slice(1));
    const opened = await openRecording(f);
    let batches = 0;
    let count = 0;
    for await (const batch of opened.batches) {
      batches++;
      count += batch.length;
    }
    expect(count).toBe(50_000);
    expect(batches).toBeGreaterThan(10);
  });

  it('the writer appends and flushes, so a reader sees the lines before close', async () => {
    const f = path.join(dir, 'live.jsonl');
    const w = new RecordingWriter(f, header, { flushIntervalMs: 50 });
    w.append({ t: 0, sensor: 'sacrum', acc: [0, 0, 9.81], gyr: [0, 0, 0] });
    w.append({ t: 0.01, sensor: 'thoracic', acc: [0, 0, 9.81], gyr: [0, 0, 0] });
    await new Promise((r) => setTimeout(r, 150));
    expect((await readRecording(f)).lines).toHaveLength(2);
    w.close();
    expect(w.writtenLineCount).toBe(3);
  });
});

describe('recording reader against hostile files', () => {
  it('an over-long line is an error naming the line, found in linear time', async () => {
    const long = 'x'.repeat(MAX_LINE_CHARS + 10);
    const f = file([JSON.stringify(header), sample(0), long, sample(0.01), '']);
    await expect(readRecording(f, { mode: 'lenient' })).rejects.toThrow(`${f}:3: line is longer than ${MAX_LINE_CHARS} characters`);
    // The same without a newline at all, as a header (one 8 MiB chunk-by-chunk stream).
    const endless = file(['y'.repeat(8 * MAX_LINE_CHARS)]);
    await expect(readRecording(endless)).rejects.toThrow(`${endless}:1: line is longer`);
  });

  it('a sample at an absurd time is skipped with a warning; the rest of the file is kept', async () => {
    const f = file([JSON.stringify(header), sample(0), sample(1e308), sample(0.01), sample(0.02), '']);
    const warnings: string[] = [];
    const { lines, stats } = await readRecording(f, { mode: 'lenient', onWarning: (w) => warnings.push(w) });
    expect(lines.map((l) => l.t)).toEqual([0, 0.01, 0.02]);
    expect(stats.badLines).toBe(1);
    expect(warnings[0]).toMatch(/:3: t=1e\+308 is absurd/);
  });

  it('a header with absurdly many sensors is refused with a message', async () => {
    const many = { ...header, sensors: Array.from({ length: 5000 }, (_, i) => ({ id: `s${i}`, placement: 'sacrum' })) };
    const f = file([JSON.stringify(many), sample(0), '']);
    expect(await firstError(f)).toBe(`${f}:1: header lists 5000 sensors; at most ${MAX_HEADER_SENSORS} are supported`);
  });

  it('keeps only the first warnings, counts all bad lines, and gives up on a file that is mostly bad', async () => {
    const bad = Array.from({ length: 500 }, (_, i) => `bad ${i}`);
    const good = Array.from({ length: 600 }, (_, i) => sample(i / 100));
    const warnings: string[] = [];
    const { stats } = await readRecording(file([JSON.stringify(header), ...bad, ...good, '']), { mode: 'lenient', onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(MAX_READER_WARNINGS);
    expect(stats.badLines).toBe(500);
    const junk = file([JSON.stringify(header), sample(0), ...Array.from({ length: MAX_BAD_LINES + 5 }, () => 'junk'), '']);
    await expect(readRecording(junk, { mode: 'lenient' })).rejects.toThrow(/too many bad lines \(10001 skipped, 1 usable\)/);
  });

  it('a corrupt gzip is a line error, not a stack trace', async () => {
    const f = path.join(dir, 'corrupt.jsonl.gz');
    const gz = gzipSync(Buffer.from([JSON.stringify(header), sample(0), ''].join('\n')));
    gz[12] = gz[12]! ^ 0xff;
    gz[20] = gz[20]! ^ 0xff;
    writeFileSync(f, gz);
    const error = await readRecording(f).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordingLineError);
    expect((error as Error).message).toMatch(/gzip data is corrupt \(|header|not valid JSON/);
  });
});

describe('recording reader: one sample whose time spikes ahead (issue #17)', () => {
  const lenient = async (lines: string[]) => {
    const warnings: string[] = [];
    const f = file([JSON.stringify(header), ...lines, '']);
    const r = await readRecording(f, { mode: 'lenient', onWarning: (w) => warnings.push(w) });
    return { f, r, warnings, ts: r.lines.map((l) => l.t) };
  };
  const steady = (from: number, count: number, sensor = 'sacrum') => Array.from({ length: count }, (_, i) => sample(Number((from + i * 0.01).toFixed(2)), sensor));

  it('a spike whose next sample returns to the old timeline costs that line only, with a warning naming it', async () => {
    const { f, r, warnings, ts } = await lenient([...steady(1, 3), sample(500000), ...steady(1.03, 3)]);
    expect(ts).toEqual([1, 1.01, 1.02, 1.03, 1.04, 1.05]);
    expect(r.stats).toEqual({ lines: 6, badLines: 1, truncated: false });
    expect(warnings).toEqual([`${f}:5: t=500000 is a spike for sensor "sacrum": 499999 s ahead of its previous sample (1.02), and its next sample returns to 1.03 (skipped)`]);
  });

  it('a genuine gap (the next samples continue from the new time) is kept, and what goes back after it is dropped', async () => {
    const { ts, warnings } = await lenient([...steady(1, 3), ...steady(40, 3), sample(39)]);
    expect(ts).toEqual([1, 1.01, 1.02, 40, 40.01, 40.02]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/:8: t went backwards for sensor "sacrum" \(39 after 40\.02\) \(skipped\)$/);
  });

  it('the other lines keep their file order while a spike waits; a sample going back past both timelines is dropped by itself', async () => {
    const { ts, r } = await lenient([sample(1), sample(1.01, 'thoracic'), sample(9), '{"t":1.015,"event":"note"}', sample(1.02, 'thoracic'), sample(0.5), sample(1.03)]);
    expect(ts).toEqual([1, 1.01, 1.015, 1.02, 1.03]);
    expect(r.lines.map((l) => ('sensor' in l ? l.sensor : 'event'))).toEqual(['sacrum', 'thoracic', 'event', 'thoracic', 'sacrum']);
    expect(r.stats.badLines).toBe(2); // the spike at 9 and the 0.5
  });

  it('a jump at the end of the file, or behind a quiet sensor past the look-ahead, is kept as a gap', async () => {
    expect((await lenient([...steady(1, 2), sample(70)])).ts).toEqual([1, 1.01, 70]);
    const quiet = await lenient([...steady(1, 2), sample(70), ...steady(1, MAX_SPIKE_LOOKAHEAD_LINES + 1, 'thoracic'), sample(1.02)]);
    expect(quiet.ts.filter((_, i) => (quiet.r.lines[i] as { sensor: string }).sensor === 'sacrum')).toEqual([1, 1.01, 70]);
    expect(quiet.warnings[0]).toMatch(/t went backwards for sensor "sacrum" \(1\.02 after 70\)/);
  });

  it("a spike in a sensor's first sample is judged against the recording's latest time, and costs that line only", async () => {
    const { f, r, warnings } = await lenient([...steady(1, 3), sample(500000, 'thoracic'), ...steady(1.03, 2), ...steady(1.01, 3, 'thoracic')]);
    const thoracic = r.lines.filter((l) => (l as { sensor: string }).sensor === 'thoracic').map((l) => l.t);
    expect(thoracic).toEqual([1.01, 1.02, 1.03]);
    expect(r.stats.badLines).toBe(1);
    expect(warnings).toEqual([`${f}:5: t=500000 is a spike for sensor "thoracic": its first sample, 499999 s ahead of the recording's latest time (1.02), and its next sample returns to 1.01 (skipped)`]);
    // A sensor that joins late (its first sample continues from the recording's time) is not a spike.
    expect((await lenient([...steady(1, 3), ...steady(1.03, 3, 'thoracic')])).r.stats.badLines).toBe(0);
  });

  it("a spike in the file's first sample is judged against t = 0 (startedAt), and costs that line only", async () => {
    const { f, r, warnings } = await lenient([sample(500000), ...steady(0.01, 3, 'thoracic'), ...steady(0.02, 3)]);
    expect(r.lines.map((l) => [(l as { sensor: string }).sensor, l.t])).toEqual([
      ['thoracic', 0.01], ['thoracic', 0.02], ['thoracic', 0.03], ['sacrum', 0.02], ['sacrum', 0.03], ['sacrum', 0.04],
    ]);
    expect(warnings).toEqual([`${f}:2: t=500000 is a spike for sensor "sacrum": its first sample, 500000 s ahead of the recording's latest time (0), and its next sample returns to 0.02 (skipped)`]);
    // A file whose samples start late (its second sample continues from its first) loses nothing.
    expect((await lenient([...steady(30, 3), ...steady(30.01, 3, 'thoracic')])).r.stats).toEqual({ lines: 6, badLines: 0, truncated: false });
  });

  it('strict mode stops at the spike, naming its line', async () => {
    const f = file([JSON.stringify(header), ...steady(1, 3), sample(500000), ...steady(1.03, 3)]);
    expect(await firstError(f)).toMatch(new RegExp(`^${f.replace(/[.\\]/g, '\\$&')}:5: t=500000 is a spike for sensor "sacrum"`));
  });
});
