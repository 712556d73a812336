// Fault injection: `kill -9` of the real bridge (`hinge serve`, real analysis, a replayed session
// recording at 5x speed) mid-recording, then a restart of `hinge serve` on the same data directory.
// Expected: the interrupted session is closed as `interrupted` with its reps, its recording is a
// strictly valid file holding at least what was on disk before the kill, and the restarted bridge
// works (analysis of the old session, a new live session).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { freePort } from '../packages/sensor-bridge/test/free-port';
import { afterAll, expect, it } from 'vitest';
import { readRecording } from '../packages/sensor-bridge/src/recording/reader';

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-faults-crash-'));
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `hinge serve` as node itself (no wrapper process, so SIGKILL hits the bridge); resolves when stderr matches. */
async function serve(args: string[], ready: RegExp): Promise<{ child: ChildProcessWithoutNullStreams; port: number; match: RegExpMatchArray }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'packages/sensor-bridge/src/cli/main.ts', 'serve', '--port', String(port), '--data-dir', dataDir, '--dashboard', path.join(dataDir, 'no-dashboard'), ...args],
    { cwd: REPO_ROOT },
  );
  children.push(child);
  let stderr = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = stderr.match(ready);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`hinge serve exited (${code}): ${stderr}`)));
  });
  return { child, port, match };
}

async function api<T>(port: number, route: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(`http://127.0.0.1:${port}/api${route}`, init);
  return { status: response.status, body: (await response.json()) as T };
}

it('kill -9 of hinge serve mid-recording, then restart: session closed as interrupted, recording whole and valid, bridge usable', async () => {
  const first = await serve(['--replay', 'fixtures/clean.jsonl', '--speed', '5', '--loop'], /session (\S+): streaming/);
  const sessionId = first.match[1]!;
  const row = async (port: number) => (await api<{ status: string; repCount: number; reps: unknown[]; warnings: string[] }>(port, `/sessions/${sessionId}`)).body;

  // Record until a few reps are in (5x speed), then note what is on disk one second before the kill.
  const deadline = Date.now() + 30_000;
  while ((await row(first.port)).repCount < 3) {
    if (Date.now() > deadline) throw new Error('no reps within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const before = await row(first.port);
  expect(before.status).toBe('live');
  const recordings = path.join(dataDir, 'recordings');
  // Live recordings are one gzip stream, sync-flushed every 250 ms: its bytes so far decode to whole lines.
  const name = readdirSync(recordings).find((f) => f.endsWith(`_${sessionId}.jsonl.gz`));
  expect(name).toBeDefined();
  const file = path.join(recordings, name!);
  const decodedSoFar = gunzipSync(readFileSync(file), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8');
  const linesOneSecondBefore = decodedSoFar.split('\n').length - 1;
  await new Promise((r) => setTimeout(r, 1000));
  const exited = new Promise((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
  first.child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  // Restart on the same data directory, with no new session.
  const second = await serve(['--no-session'], /data directory: /);
  const after = await row(second.port);
  expect(after.status).toBe('interrupted');
  expect(after.warnings.join(' ')).toContain('interrupted');
  expect(after.reps.length).toBeGreaterThanOrEqual(before.repCount);

  // The recording is strictly valid, holds at least what was on disk a second before the kill, and says it was interrupted.
  const { lines } = await readRecording(file, { mode: 'strict' });
  expect(lines.length).toBeGreaterThanOrEqual(linesOneSecondBefore - 1);
  expect(lines.at(-1)).toMatchObject({ event: 'interrupted' });

  // The restarted bridge analyses the old session and runs a new one.
  const analysis = await api<{ reps: unknown[] }>(second.port, `/sessions/${sessionId}/analysis`);
  expect(analysis.status).toBe(200);
  expect(analysis.body.reps.length).toBe(after.reps.length);
  const patients = (await api<{ id: string }[]>(second.port, '/patients')).body;
  const created = await api<{ status: string }>(second.port, '/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ patientId: patients[0]!.id, source: { kind: 'replay', recording: 'clean.jsonl', speed: 5 } }),
  });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('live');

  const stopped = new Promise((resolve) => second.child.once('exit', resolve));
  second.child.kill('SIGINT');
  expect(await stopped).toBe(0);
}, 90_000);
