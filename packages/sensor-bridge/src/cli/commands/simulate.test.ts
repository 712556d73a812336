// `hinge simulate` end to end: the files it writes read back as the same session, and bad options fail
// with a one-line message.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateCommand } from './simulate';
import { readRecording } from '../../recording/reader';
import { randomSession, simulateSession } from '@hinge/simulator';
import { capturedIO } from '../../../test/captured-io';

const dir = await mkdtemp(join(tmpdir(), 'hinge-simulate-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = capturedIO();
  const code = await simulateCommand.run(args, captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

describe('hinge simulate', () => {
  it('writes the recording (gzipped) and FILE.truth.json, the same as simulateSession', async () => {
    const file = join(dir, 'session.jsonl.gz');
    const result = await run(['--seed', '12', '--duration', '20', '--noise', 'high', '--dropout', 'thoracic:8:1.5', '--out', file]);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/^simulated .* seed 12: \d+ lines, \d+ reps/);
    const expected = simulateSession({ seed: 12, script: randomSession(12, { durationS: 20 }), noise: 'high', dropouts: [{ sensor: 'thoracic', start: 8, durationS: 1.5 }] });
    const read = await readRecording(file);
    expect(read.header).toEqual(expected.header);
    expect(read.lines).toEqual(expected.lines);
    expect(JSON.parse(await readFile(join(dir, 'session.truth.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(expected.truth)));
  });

  it('plays a script file and writes to stdout without --out', async () => {
    const script = join(dir, 'script.json');
    await writeFile(script, JSON.stringify([{ kind: 'stand', durationS: 3, calibrate: true }, { kind: 'squat' }]));
    const result = await run(['--script', script, '--rate', '50', '--quat-only']);
    expect(result.code).toBe(0);
    const lines = result.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].format).toBe('hinge-recording');
    expect(lines[0].sensors[0].sampleRateHz).toBe(50);
    expect(lines.slice(1).filter((l) => l.quat).length).toBeGreaterThan(500);
    expect(result.err).toMatch(/1 reps \(1 with faults\)/);
  });

  it('refuses bad options with a one-line reason', async () => {
    for (const [args, message] of [
      [['--mounting', 'taped'], /--mounting must be aligned or random/],
      [['--dropout', 'thoracic:abc:1'], /--dropout must be SENSOR:START:DURATION/],
      [['--dropout', 'knee:1:1'], /drop-out sensor must be sacrum or thoracic/],
      [['--duration=-5'], /--duration must be more than 0/],
      [['--script', join(dir, 'missing.json')], /cannot read script/],
    ] as const) {
      await expect(run([...args])).rejects.toMatchObject({ code: expect.stringMatching(/^HINGE_ERR_[A-Z_]+$/), message: expect.stringMatching(message) });
    }
  });
});
