// Live recordings written compressed (.jsonl.gz, sync-flushed), read back and repaired after being cut
// at arbitrary bytes, as a crash or a pulled plug leaves them.
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RecordingHeader, RecordingLine } from '@hinge/protocol';
import { RecordingWriter } from './writer';
import { readRecording } from './reader';
import { appendWholeLine, cutToLastWholeLine } from './repair';
import { createQuantizer, decimalsFor } from './quantize';

const dir = mkdtempSync(path.join(tmpdir(), 'hinge-gz-'));
const header: RecordingHeader = {
  format: 'hinge-recording',
  version: 1,
  startedAt: '2026-11-24T10:00:00.000Z',
  sensors: [
    { id: 'sacrum', placement: 'sacrum', model: 'metamotion', sampleRateHz: 100, resolution: { acc: 0.0024, gyr: 0.00053 } },
    { id: 'thoracic', placement: 'thoracic', model: 'metamotion', sampleRateHz: 100, resolution: { acc: 0.0024, gyr: 0.00053 } },
  ],
};

/** Noisy samples of two sensors, 100 Hz each, `seconds` long. */
function samples(seconds: number): RecordingLine[] {
  const out: RecordingLine[] = [];
  let seed = 7;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.05;
  for (let i = 0; i < seconds * 100; i++) {
    for (const sensor of ['sacrum', 'thoracic']) {
      const t = i / 100 + (sensor === 'thoracic' ? 0.0037 : 0);
      out.push({ t, sensor, acc: [noise(), 9.81 + noise(), Math.sin(t) + noise()], gyr: [noise(), noise(), 0.3 * Math.cos(t)] });
    }
    if (i % 250 === 100) out.push({ t: i / 100, event: 'note', text: `mark ${i}` });
  }
  return out;
}

/** Writes `lines` as a live session would: 250 ms of lines per flush. Returns each flush's file size and line count. */
function writeLive(file: string, lines: RecordingLine[]): { bytes: number; lines: number }[] {
  const writer = new RecordingWriter(file, header, { flushIntervalMs: 1e9 });
  const flushes = [{ bytes: statSync(file).size, lines: 0 }];
  let written = 0;
  let nextFlushT = 0.25;
  for (const line of lines) {
    if (line.t >= nextFlushT) {
      writer.flush();
      flushes.push({ bytes: statSync(file).size, lines: written });
      nextFlushT += 0.25;
    }
    writer.append(line);
    written++;
  }
  writer.flush();
  flushes.push({ bytes: statSync(file).size, lines: written });
  writer.close();
  return flushes;
}

describe('compressed live recordings', () => {
  const lines = samples(20);
  const file = path.join(dir, 'live.jsonl.gz');
  const flushes = writeLive(file, lines);
  const data = readFileSync(file);

  it('are one complete gzip stream that reads back line for line', async () => {
    expect(gunzipSync(data).toString().split('\n')).toHaveLength(lines.length + 2);
    const read = await readRecording(file);
    expect(read.lines).toEqual(lines);
    expect(read.stats.truncated).toBe(false);
    expect(data.length).toBeLessThan(gunzipSync(data).length / 2.5);
  });

  // Cut points: inside the gzip header, inside the header line's flush, at and next to flush ends, and spread over the file.
  const cuts = [...new Set([3, 12, flushes[0]!.bytes - 1, ...flushes.slice(1, 6).flatMap((f) => [f.bytes - 1, f.bytes, f.bytes + 1]), ...Array.from({ length: 30 }, (_, i) => Math.floor(((i + 0.37) / 30) * data.length))])].filter(
    (c) => c > 0 && c < data.length,
  );
  /** Lines of every flush that ended at or before `cut`: what a crash there must not lose. */
  const safeLines = (cut: number) => flushes.filter((f) => f.bytes <= cut).reduce((n, f) => Math.max(n, f.lines), 0);

  it('cut at any byte: the reader keeps every flushed line (at most 250 ms lost) and nothing else', async () => {
    for (const cut of cuts) {
      const f = path.join(dir, `cut-${cut}.jsonl.gz`);
      writeFileSync(f, data.subarray(0, cut));
      if (cut < flushes[0]!.bytes) {
        // Before the header's flush ended: an error naming the file, or the header alone.
        const early = await readRecording(f, { mode: 'lenient' }).catch((e: Error) => e);
        if (early instanceof Error) expect(early.message).toContain(f);
        else expect(early.lines).toEqual([]);
        continue;
      }
      const read = await readRecording(f, { mode: 'lenient' });
      expect(read.lines.length, `cut at ${cut}`).toBeGreaterThanOrEqual(safeLines(cut));
      expect(read.lines, `cut at ${cut}`).toEqual(lines.slice(0, read.lines.length));
      const lostS = (lines.at(safeLines(cut))?.t ?? 20) - (read.lines.at(-1)?.t ?? 0);
      expect(lostS).toBeLessThanOrEqual(0.26);
    }
  });

  it('cut at any byte: recovery keeps the bytes before the cut, and leaves a complete stream ending with the appended line', async () => {
    for (const cut of cuts.filter((c) => c >= flushes[0]!.bytes)) {
      const f = path.join(dir, `repair-${cut}.jsonl.gz`);
      writeFileSync(f, data.subarray(0, cut));
      cutToLastWholeLine(f);
      const kept = readFileSync(f);
      expect(data.subarray(0, kept.length).equals(kept), `cut at ${cut}: prefix kept as it was`).toBe(true);
      appendWholeLine(f, JSON.stringify({ t: 99, event: 'interrupted' }) + '\n');
      expect(() => gunzipSync(readFileSync(f)), `cut at ${cut}`).not.toThrow();
      const read = await readRecording(f, { mode: 'strict' });
      expect(read.stats.truncated).toBe(false);
      expect(read.lines.at(-1)).toEqual({ t: 99, event: 'interrupted' });
      const before = read.lines.slice(0, -1);
      expect(before.length, `cut at ${cut}`).toBeGreaterThanOrEqual(safeLines(cut));
      expect(before).toEqual(lines.slice(0, before.length));
    }
  });

  it('recovery of a stream the writer closed appends a second gzip member', async () => {
    const f = path.join(dir, 'closed.jsonl.gz');
    copyFileSync(file, f);
    expect(cutToLastWholeLine(f)).toBe(0);
    const undo = appendWholeLine(f, JSON.stringify({ t: 20, event: 'interrupted' }) + '\n');
    const read = await readRecording(f, { mode: 'strict' });
    expect(read.lines).toEqual([...lines, { t: 20, event: 'interrupted' }]);
    undo();
    expect(readFileSync(f).equals(data)).toBe(true);
  });

  it('a cut inside the gzip header is left for the reader to report, not thrown', () => {
    const f = path.join(dir, 'tiny.jsonl.gz');
    writeFileSync(f, data.subarray(0, 5));
    expect(() => cutToLastWholeLine(f)).not.toThrow();
  });
});

describe('sensor resolution', () => {
  it('decimals: the fewest whose step is at most half an LSB', () => {
    expect(decimalsFor((8 * 9.80665) / 32768)).toBe(3); // MetaMotion +-8 g: 0.0024 m/s^2
    expect(decimalsFor((2 * 9.80665) / 32768)).toBe(4); // +-2 g: 0.0006
    expect(decimalsFor(((1000 / 32768) * Math.PI) / 180)).toBe(4); // +-1000 deg/s: 5.3e-4 rad/s
    expect(decimalsFor(((125 / 32768) * Math.PI) / 180)).toBe(5); // +-125 deg/s: 6.7e-5 rad/s
    expect(decimalsFor(0.002)).toBe(3); // exactly 0.001 = LSB / 2
    expect(decimalsFor(0.1)).toBe(2);
  });

  it('rounding keeps distinct raw counts distinct and moves a value by at most a quarter LSB', () => {
    const lsb = (8 * 9.80665) / 32768;
    const quantize = createQuantizer(header);
    const seen = new Set<number>();
    for (let count = -2000; count <= 2000; count++) {
      const v = count * lsb;
      const out = quantize({ t: 1.23456789, sensor: 'sacrum', acc: [v, 0, 0], gyr: [0, 0, 0] });
      if ('event' in out) throw new Error('sample expected');
      expect(Math.abs(out.acc![0] - v)).toBeLessThanOrEqual(lsb / 4 + 1e-12);
      seen.add(out.acc![0]);
      expect(out.t).toBe(1.2346);
    }
    expect(seen.size).toBe(4001);
  });

  it('a sensor without a stated resolution keeps the defaults; events pass unchanged; no -0', () => {
    const quantize = createQuantizer({ ...header, sensors: [{ id: 'x', placement: 'sacrum' }] });
    expect(quantize({ t: 0, sensor: 'x', acc: [1.234567, -0.000001, 0], gyr: [0.1234567, 0, 0], quat: [0.70710678, 0, 0, 0.70710678] })).toEqual({
      t: 0,
      sensor: 'x',
      acc: [1.2346, 0, 0],
      gyr: [0.12346, 0, 0],
      quat: [0.707107, 0, 0, 0.707107],
    });
    const event = { t: 0.123456, event: 'note', text: 'x' };
    expect(quantize(event)).toBe(event);
  });
});
