// `hinge analyze` against hostile files, as a user runs it (launcher and bundle, a child process):
// gzip bombs stay within a memory budget and end with one clear line; Ctrl-C and SIGTERM stop a read
// at once (the recording here is a FIFO fed without end, so only the signal can stop the command).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const launcher = path.join(root, 'packages/sensor-bridge/bin/hinge.mjs');
const reportRss = path.join(root, 'test/support/report-max-rss.cjs');
const dir = mkdtempSync(path.join(tmpdir(), 'hinge-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = JSON.stringify({ format: 'hinge-recording', version: 1, startedAt: '2026-01-05T09:00:00.000Z', sensors: [{ id: 'sacrum', placement: 'sacrum' }, { id: 'thoracic', placement: 'thoracic' }] });
const MEMORY_BUDGET_KIB = 200 * 1024;

function analyze(file: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', reportRss, launcher, 'analyze', file, '--json']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A gzip file that expands to `head` and then `repeat` up to `bytes`: one compressed MiB of `repeat`
 * written again and again (gzip members in a row decompress as one stream), ~1000:1.
 */
function gzBomb(name: string, head: string, repeat: string, bytes: number): string {
  const file = path.join(dir, name);
  const member = gzipSync(repeat.repeat(Math.ceil((1 << 20) / repeat.length)), { level: 9 });
  const members = Math.ceil(bytes / (1 << 20));
  writeFileSync(file, Buffer.concat([gzipSync(head), ...Array.from({ length: members }, () => member)]));
  return file;
}

describe('hinge analyze on a gzip bomb', () => {
  it.each([
    ['bad lines', 'bad-lines.jsonl.gz', `${HEADER}\n`, 'not a sample at all, just text\n', /:\d+: too many bad lines \(10001 skipped, 0 usable\): is this a hinge recording\?$/],
    ['one endless line', 'one-line.jsonl.gz', `${HEADER}\n`, 'x', /:2: line is longer than 1048576 characters$/],
  ])('%s: exits 1 with one clear line, under the memory budget', async (_what, name, head, repeat, reason) => {
    const file = gzBomb(name, head, repeat, 2 * 1024 * 1024 * 1024); // 2 GiB from ~2 MB, as found in the issue
    const { code, stdout, stderr } = await analyze(file);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    const rss = Number(lines.pop()!.replace('max-rss-kib ', ''));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hinge analyze: HINGE_ERR_RECORDING_LINE: cannot analyse /);
    expect(lines[0]).toMatch(reason);
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(MEMORY_BUDGET_KIB);
  });
});

describe('hinge analyze and signals', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s stops a read that would never end, at once, with exit code 130', async (signal) => {
    const fifo = path.join(dir, `endless-${signal}.jsonl`);
    const made = spawnSync('mkfifo', [fifo]);
    if (made.status !== 0) {
      console.warn(`*** SKIPPED: mkfifo failed (${made.stderr}); the signal test did not run ***`);
      return;
    }
    const child = spawn(process.execPath, [launcher, 'analyze', fifo]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const writer = createWriteStream(fifo);
    writer.on('error', () => {}); // EPIPE once the command has gone
    // Opening a FIFO for writing completes when the command opens it for reading: it is running by then.
    await once(writer, 'open');
    writer.write(HEADER + '\n');
    // Samples without end, as fast as the command takes them (a recording that never finishes).
    let i = 0;
    let feeding = true;
    const feed = () => {
      while (feeding && writer.write(Array.from({ length: 200 }, () => JSON.stringify({ t: i++ / 100, sensor: 'sacrum', acc: [0, 0, 9.81], gyr: [0, 0, 0] })).join('\n') + '\n'));
    };
    writer.on('drain', feed);
    feed();
    await new Promise((r) => setTimeout(r, 1000));
    expect(child.exitCode).toBeNull();
    expect(i).toBeGreaterThan(1000); // it is reading
    child.kill(signal);
    const code = await exited;
    feeding = false;
    writer.destroy();
    expect(code).toBe(130);
    expect(stderr).toMatch(/^hinge analyze: HINGE_ERR_INTERRUPTED: interrupted$/m);
  });
});

it('a README is still one line (the bomb rules do not change ordinary errors)', async () => {
  writeFileSync(path.join(dir, 'notes.jsonl'), 'hello\n');
  const { code, stderr } = await analyze(path.join(dir, 'notes.jsonl'));
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')[0]).toMatch(/notes\.jsonl:1: header is not valid JSON$/);
});

it('a corrupt gzip is one coded line naming the file and line, no stack (issue #17)', async () => {
  const gz = gzipSync(`${HEADER}\n` + Array.from({ length: 2000 }, (_, i) => JSON.stringify({ t: i / 100, sensor: 'sacrum', acc: [0, 0, 9.81], gyr: [0, 0, 0] })).join('\n'));
  for (let i = 200; i < 260; i++) gz[i] = gz[i]! ^ 0x5a;
  const file = path.join(dir, 'corrupt.jsonl.gz');
  writeFileSync(file, gz);
  const { code, stdout, stderr } = await analyze(file);
  expect(code).toBe(1);
  expect(stdout).toBe('');
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('max-rss-kib'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^hinge analyze: HINGE_ERR_RECORDING_LINE: cannot analyse .*corrupt\.jsonl\.gz:\d+: gzip data is corrupt \(.+\)$/);
});
