// A station killed with `kill -9` while it pushes to the clinic database, then restarted on the same
// data directory: the interrupted session reaches PostgreSQL whole (its recording byte for byte as the
// station's file after recovery), every row once.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { ClinicDb } from '../src/storage/clinic-db';
import { Store } from '../src/storage/store';
import { resolveRecordingPath } from '../src/storage/archive';
import { capturedIO } from './captured-io';
import { tempDir, until } from './clinic-support';
import { createTestDatabase, query } from './postgres';

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const db = await createTestDatabase('clinic_crash');
const dataDir = tempDir('clinic-crash');
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  await db?.drop();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** `hinge serve` as node itself (SIGKILL hits the bridge), the clinic database from the environment. */
async function serveStation(url: string, args: string[], ready: RegExp): Promise<{ child: ChildProcessWithoutNullStreams; match: RegExpMatchArray }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'packages/sensor-bridge/src/cli/main.ts', 'serve', '--port', String(port), '--data-dir', dataDir, '--station', 'crash-bay', '--dashboard', path.join(dataDir, 'none'), ...args],
    { cwd: REPO_ROOT, env: { ...process.env, HINGE_DATABASE_URL: url } },
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
  return { child, match };
}

const chunkCount = async (url: string, sessionId: string) =>
  Number((await query<{ n: string }>(url, 'SELECT count(*) AS n FROM recording_chunks WHERE session_id = $1', [sessionId]))[0]!.n);

// Two `hinge serve` starts and a recovery: generous on a loaded machine.
describe.skipIf(!db)('a station killed mid-push (real PostgreSQL)', { timeout: 120_000 }, () => {
  it('kill -9, restart: the interrupted session arrives whole, byte for byte, without duplicates', async () => {
    const url = db!.url;
    const urlFile = path.join(tempDir('clinic-url'), 'url');
    writeFileSync(urlFile, url, { mode: 0o600 });
    const cli = capturedIO();
    expect(await main(['db', 'migrate', '--database-file', urlFile], cli.io)).toBe(0);
    expect(cli.out()).toMatch(/schema version 2/);
    rmSync(path.dirname(urlFile), { recursive: true });
    const first = await serveStation(url, ['--simulate', '--seed', '5'], /session (\S+): streaming/);
    const sessionId = first.match[1]!;
    await until(async () => (await chunkCount(url, sessionId)) >= 3, 20_000, 'chunks in the clinic database');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const chunksAtKill = await chunkCount(url, sessionId);

    const second = await serveStation(url, ['--no-session'], /http:\/\//);
    await until(
      async () => (await query<{ status: string }>(url, 'SELECT status FROM sessions WHERE id = $1', [sessionId]))[0]?.status === 'interrupted',
      20_000,
      'the recovered session in the clinic database',
    );
    // The restarted station finishes the push (the recording is complete once it has the last bytes).
    const store = new Store(path.join(dataDir, 'hinge.sqlite'));
    try {
      await until(() => store.outboxSize === 0 && store.recordingsToPush().length === 0, 20_000, 'the catch-up push');
      const row = store.getSession(sessionId)!;
      const local = readFileSync(resolveRecordingPath(dataDir, row.recordingPath!));
      const clinic = new ClinicDb(url);
      const copy = path.join(dataDir, 'from-clinic.jsonl.gz');
      try {
        await clinic.writeRecording(sessionId, copy);
      } finally {
        await clinic.close();
      }
      expect(readFileSync(copy).equals(local)).toBe(true);
      // Recovery left a complete gzip stream ending with the interruption mark.
      expect(gunzipSync(local).toString().trimEnd().split('\n').at(-1)).toContain('"interrupted"');
      expect(await chunkCount(url, sessionId)).toBeGreaterThan(chunksAtKill);
      const reps = await query<{ idx: number }>(url, 'SELECT idx FROM reps WHERE session_id = $1 ORDER BY idx', [sessionId]);
      expect(reps.map((r) => r.idx)).toEqual(store.listReps(sessionId).map((r) => r.index));
      expect(await query(url, 'SELECT id FROM sessions')).toHaveLength(1);
      expect(await query(url, 'SELECT id FROM patients')).toHaveLength(1);
    } finally {
      store.close();
      second.child.kill('SIGTERM');
    }
  });
});
