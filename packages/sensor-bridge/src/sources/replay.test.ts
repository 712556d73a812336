// The replay source streams its file (a look-ahead of READ_AHEAD_LINES lines): a file several times
// longer than the look-ahead plays whole and in order, a loop continues the clock, and a seek continues
// from the target time on the same clock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingLine } from '@hinge/protocol';
import { simulateSession } from '@hinge/simulator';
import { writeRecordingFile } from '../recording/writer';
import { createReplaySource, LOOP_GAP_S, READ_AHEAD_LINES } from './replay';
import type { SourceSink } from './source';

let dir: string;
let file: string;
let lines: RecordingLine[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hinge-replay-'));
  file = path.join(dir, 'long.jsonl');
  const session = simulateSession({ seed: 3, script: [{ kind: 'stand', durationS: 3 }, ...Array.from({ length: 8 }, () => [{ kind: 'hinge' as const }, { kind: 'stand' as const, durationS: 1 }]).flat()] });
  lines = session.lines;
  await writeRecordingFile(file, session.header, lines);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Plays until `done(received)` or the end; returns what the sink received. */
async function play(options: { loop?: boolean; onLines?: (received: RecordingLine[], seek: (t: number) => void) => void; done?: (received: RecordingLine[]) => boolean }) {
  const source = createReplaySource({ file, speed: Infinity, ...(options.loop ? { loop: true } : {}) });
  const received: RecordingLine[] = [];
  let finish: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const sink: SourceSink = {
    lines: (batch) => {
      received.push(...batch);
      options.onLines?.(received, (t) => source.seek!(t));
      if (options.done?.(received)) finish();
    },
    statusChanged: () => undefined,
    ended: () => finish(),
  };
  await source.start(sink);
  await ended;
  await source.stop();
  return received;
}

describe('replay streams its file', () => {
  it('plays a file longer than its look-ahead whole, in order', async () => {
    expect(lines.length).toBeGreaterThan(2 * READ_AHEAD_LINES);
    const received = await play({});
    expect(received.map((l) => l.t)).toEqual(lines.map((l) => l.t));
    expect(received).toEqual(lines);
  });

  it('a loop reads the file again and continues the clock after a gap', async () => {
    const received = await play({ loop: true, done: (r) => r.length >= 2 * lines.length + 10 });
    const lastT = lines[lines.length - 1]!.t;
    const second = received[lines.length]!;
    expect(second.t).toBeCloseTo(lastT + LOOP_GAP_S, 9);
    for (let i = 1; i < received.length; i++) expect(received[i]!.t).toBeGreaterThanOrEqual(received[i - 1]!.t);
  });

  it('a seek continues from the target time on the same clock', async () => {
    let seeked = false;
    const targetT = 12;
    const received = await play({
      onLines: (r, seek) => {
        if (!seeked && r.length > 1000) {
          seeked = true;
          seek(targetT);
        }
      },
    });
    const at = received.findIndex((l) => 'event' in l && l.event === 'seek');
    expect(at).toBeGreaterThan(0);
    const after = received.slice(at + 1);
    const fromFile = lines.filter((l) => l.t >= targetT);
    expect(after.length).toBe(fromFile.length);
    // Same lines, shifted onto the session clock that continues from the seek.
    const shift = after[0]!.t - fromFile[0]!.t;
    expect(after[0]!.t).toBeCloseTo(received[at]!.t, 9);
    expect(after.every((l, i) => Math.abs(l.t - (fromFile[i]!.t + shift)) < 1e-9)).toBe(true);
  });

  it('problems and errors name the file, never its folder on the server', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    const header = { format: 'hinge-recording', version: 1, startedAt: '2026-01-01T00:00:00Z', sensors: [{ id: 'sacrum', placement: 'sacrum' }] };
    writeFileSync(bad, [JSON.stringify(header), 'not json', ''].join('\n'));
    const source = createReplaySource({ file: bad, speed: Infinity });
    let ended = false;
    await source.start({ lines: () => undefined, statusChanged: () => undefined, ended: () => (ended = true) });
    for (let i = 0; i < 100 && !ended; i++) await new Promise((r) => setTimeout(r, 10));
    const problems = source.status().problems.join('\n');
    expect(problems).toMatch(/bad\.jsonl:2/);
    expect(problems).not.toContain(dir);
    await source.stop();
    const empty = path.join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const error = await createReplaySource({ file: empty }).start({ lines: () => undefined, statusChanged: () => undefined, ended: () => undefined }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/cannot replay empty\.jsonl: /);
    expect((error as Error).message).not.toContain(dir);
  });
});
