// A real full disk under a running bridge. The data directory lives on a small tmpfs (mounted by this
// test; it needs root and mount rights, and says loudly when it skips). `hinge serve` runs two
// replayed sessions with a WebSocket viewer each; then a filler file takes every free byte.
// Expected: the bridge stays up, both viewers keep getting angles, each is told that recording stopped,
// and both recordings are strictly valid files up to the failure. Stopping and SIGINT still work.
// A restart on the still-full disk exits with one HINGE_ERR_STORAGE line and leaves the files as they
// were (no half `interrupted` line); once space is freed, a restart recovers both sessions. On a
// read-only disk the start is refused with one line too.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '@hinge/protocol';
import { readRecording } from '../src/recording/reader';

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const TMPFS_BYTES = 8 * 1024 * 1024;

const mountPoint = mkdtempSync(path.join(tmpdir(), 'hinge-small-disk-'));
const dataDir = path.join(mountPoint, 'data');
const filler = path.join(mountPoint, 'filler');
let mounted = false;
let skipReason = '';
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) skipReason = 'not root';
  else {
    const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (result.status === 0) mounted = true;
    else skipReason = `mount -t tmpfs failed: ${(result.stderr || result.error?.message || '').trim()}`;
  }
  if (!mounted) console.warn(`\n*** SKIPPED: faults-disk-full needs a small tmpfs (${skipReason}); the full-disk process test did not run ***\n`);
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (mounted) spawnSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

interface Served {
  child: ChildProcessWithoutNullStreams;
  port: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

function serve(port: number): Served {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'packages/sensor-bridge/src/cli/main.ts', 'serve', '--no-session', '--port', String(port), '--data-dir', dataDir, '--dashboard', path.join(mountPoint, 'none')],
    { cwd: REPO_ROOT },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, stderr: () => stderr, exited };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function api(port: number, route: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> & { id: string; status: string } }> {
  const response = await fetch(`http://127.0.0.1:${port}/api${route}`, { ...init, headers: { 'x-hinge-client': 'test', ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  return { status: response.status, body: await response.json() };
}

function viewer(port: number, sessionId: string): { messages: ServerMessage[]; ws: WebSocket } {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as ServerMessage));
  ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', sessionId })));
  return { messages, ws };
}

/** Writes zeros until the file system says ENOSPC. */
function fillDisk(): void {
  const fd = openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

const recordings = () => readdirSync(path.join(dataDir, 'recordings')).map((f) => path.join(dataDir, 'recordings', f));

it('a disk that fills under two live sessions: the bridge stays up, both views stream, both recordings stay valid; restart refuses cleanly until space is freed', async () => {
  if (!mounted) return;
  const first = serve(await freePort());
  await until('the bridge to listen', () => /data directory:/.test(first.stderr()));
  const patient = (await api(first.port, '/patients', { method: 'POST', body: JSON.stringify({ name: 'Disk' }) })).body;
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const created = await api(first.port, '/sessions', {
      method: 'POST',
      body: JSON.stringify({ patientId: patient.id, source: { kind: 'replay', recording: 'clean.jsonl', speed: 5, loop: true } }),
    });
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  }
  const viewers = ids.map((id) => viewer(first.port, id));
  const angles = (v: (typeof viewers)[number]) => v.messages.filter((m) => m.type === 'angles').length;
  await until('angles on both views', () => viewers.every((v) => angles(v) > 5));
  await until('a few seconds of both recordings on disk', () => {
    const files = existsSync(path.join(dataDir, 'recordings')) ? recordings() : [];
    return files.length === 2 && files.every((f) => statSync(f).size > 30_000);
  });

  fillDisk();
  const anglesAtFill = viewers.map(angles);
  const stoppedMessage = (v: (typeof viewers)[number]) =>
    v.messages.some((m) => m.type === 'event' && m.event.type === 'warning' && /^recording stopped\b.*disk full/.test(m.event.message));
  await until('both views told that recording stopped', () => viewers.every(stoppedMessage));
  // The live view goes on, and the problem stays visible in the sensor status.
  await until('angles after the failure', () => viewers.every((v, i) => angles(v) > anglesAtFill[i]! + 50));
  await until('the problem in the sensor status', () =>
    viewers.every((v) => v.messages.some((m) => m.type === 'sensor-status' && m.problems.some((p) => p.startsWith('recording stopped')))),
  );
  expect(first.child.exitCode).toBeNull();
  expect((await api(first.port, '/health')).status).toBe(200);

  // Every recording is a strictly valid file up to the failure.
  const files = recordings();
  expect(files).toHaveLength(2);
  for (const file of files) {
    const { lines, stats } = await readRecording(file, { mode: 'strict' });
    expect(lines.length).toBeGreaterThan(100);
    expect(stats.truncated).toBe(false);
  }
  const bytesAtFailure = files.map((f) => readFileSync(f));

  // Stopping works (what cannot be stored is not), the bridge shuts down on SIGINT.
  for (const id of ids) expect((await api(first.port, `/sessions/${id}/stop`, { method: 'POST' })).status).toBe(200);
  for (const v of viewers) v.ws.close();
  first.child.kill('SIGINT');
  expect(await first.exited).toBe(0);
  expect(first.stderr()).not.toMatch(/uncaught|unhandled|SQLITE_FULL.*\n\s+at /i);

  // Restart on the still-full disk: one line with the code, the files untouched.
  const full = serve(await freePort());
  expect(await full.exited).toBe(1);
  const errorLines = full.stderr().trim().split('\n').filter((l) => l.includes('HINGE_ERR_'));
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]).toMatch(/^hinge serve: HINGE_ERR_STORAGE: cannot start on .*: disk full/);
  expect(full.stderr()).not.toMatch(/\n\s+at /);
  files.forEach((f, i) => expect(readFileSync(f).equals(bytesAtFailure[i]!)).toBe(true));

  // Space again: the restart recovers what the full disk kept from the database.
  rmSync(filler);
  const freed = serve(await freePort());
  await until('the restarted bridge', () => /data directory:/.test(freed.stderr()));
  for (const id of ids) {
    const state = (await api(freed.port, `/sessions/${id}`)).body;
    expect(['stopped', 'interrupted']).toContain(state.status);
  }
  for (const file of files) {
    const { lines } = await readRecording(file, { mode: 'strict' });
    expect(lines.filter((l) => 'event' in l && l.event === 'interrupted').length).toBeLessThanOrEqual(1);
  }
  freed.child.kill('SIGINT');
  expect(await freed.exited).toBe(0);
  expect(existsSync(dataDir) && statSync(dataDir).isDirectory()).toBe(true);

  // A read-only disk: one line with the code, nothing changed.
  const before = files.map((f) => readFileSync(f));
  expect(spawnSync('mount', ['-o', 'remount,ro', mountPoint]).status).toBe(0);
  const readOnly = serve(await freePort());
  expect(await readOnly.exited).toBe(1);
  expect(readOnly.stderr().trim()).toMatch(/^hinge serve: HINGE_ERR_STORAGE: cannot start on .*: read-only \(\w+\)$/);
  files.forEach((f, i) => expect(readFileSync(f).equals(before[i]!)).toBe(true));
}, 120_000);
