// Failures a client sees (REST bodies, WebSocket `error`s, session warnings) carry a HINGE_ERR_ code and
// one line, and never the server's folders (issue #17: "hide absolute paths in errors"). Each case
// here is a failure that used to come out as `internal error` or with the data directory in it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES, type ServerMessage } from '@hinge/protocol';
import { simulateSession } from '@hinge/simulator';
import { buildApp } from './app';
import { writeRecordingFile } from '../recording/writer';
import { resolveRecordingPath } from '../storage/archive';
import { Store } from '../storage/store';
import { standinAnalysis } from '../../test/standin-analysis';

const dirs: string[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (apps.length > 0) await apps.pop()?.close();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tempDir = (prefix: string) => {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

async function makeApp(dataDir: string): Promise<FastifyInstance> {
  const app = await buildApp({ dataDir, analysis: standinAnalysis });
  apps.push(app);
  return app;
}

/** A stored session whose recording (a short simulated one) is on disk; returns its id and file. */
async function storedSession(app: FastifyInstance, dataDir: string): Promise<{ id: string; file: string }> {
  const patient = app.bridge.hub.createPatient({ name: 'Ada' });
  const session = await app.bridge.hub.createSession({ patientId: patient.id });
  await session.stop();
  const { header, lines } = simulateSession({ seed: 3, script: [{ kind: 'stand', durationS: 3 }, { kind: 'hinge' }, { kind: 'stand', durationS: 2 }] });
  const row = app.bridge.store.getSession(session.id)!;
  const file = path.join(dataDir, 'recordings', `${session.id}.jsonl.gz`);
  await writeRecordingFile(file, header, lines);
  app.bridge.store.updateSession({ ...row, status: 'stopped', recordingPath: path.relative(dataDir, file), startedAt: header.startedAt, endedAt: header.startedAt });
  expect(resolveRecordingPath(dataDir, app.bridge.store.getSession(session.id)!.recordingPath!)).toBe(file);
  return { id: session.id, file };
}

/** Flips bytes in the middle of a gzip file: its deflate data no longer decodes. */
function corruptGzip(file: string): void {
  const bytes = readFileSync(file);
  const from = Math.floor(bytes.length / 3);
  for (let i = from; i < from + 64; i++) bytes[i] = bytes[i]! ^ 0x5a;
  writeFileSync(file, bytes);
}

/** No absolute path of this machine's temporary folders (where the data directory lives) in `text`. */
function expectNoServerPath(text: string, dataDir: string): void {
  expect(text).not.toContain(dataDir);
  expect(text).not.toContain(tmpdir());
}

describe('a damaged stored recording', () => {
  it.each([
    ['gzip data corrupt', corruptGzip, /^the session's recording is damaged[^\n]*: line \d+: gzip data is corrupt/],
    ['header not JSON', (file: string) => writeFileSync(file, gzipSync('{"format": oops\n')), /^the session's recording is damaged[^\n]*: line 1: header is not valid JSON$/],
  ])('%s: the analysis and the exports that read it answer HINGE_ERR_RECORDING_DAMAGED with the line, no paths', async (_what, damage, message) => {
    const dataDir = tempDir('hinge-errmsg-');
    const app = await makeApp(dataDir);
    const { id, file } = await storedSession(app, dataDir);
    expect((await app.inject({ url: `/api/sessions/${id}/analysis` })).statusCode).toBe(200);
    damage(file);
    for (const route of ['analysis', 'angles', 'export/angles.csv', 'export/session.mcap', 'export/report.pdf']) {
      const res = await app.inject({ url: `/api/sessions/${id}/${route}` });
      expect({ route, status: res.statusCode, code: res.json().code }).toEqual({ route, status: 500, code: 'HINGE_ERR_RECORDING_DAMAGED' });
      expect(res.json().message).toMatch(message);
      expectNoServerPath(res.body, dataDir);
    }
    expect((await app.inject({ url: '/api/health' })).json()).toMatchObject({ ok: true });
  });

  it('recovery after a crash warns that the recording could not be re-analysed, naming the line but no folder', async () => {
    const dataDir = tempDir('hinge-errmsg-recover-');
    const app = await makeApp(dataDir);
    const { id, file } = await storedSession(app, dataDir);
    const database = app.bridge.layout.database;
    await app.close();
    apps.pop();
    // As a crash leaves it: still `live` in the database.
    const store = new Store(database);
    store.updateSession({ ...store.getSession(id)!, status: 'live', endedAt: null });
    store.close();
    writeFileSync(file, gzipSync('{"format": oops\n'));
    const again = await makeApp(dataDir);
    const state = (await again.inject({ url: `/api/sessions/${id}` })).json();
    expect(state.status).toBe('interrupted');
    const warning = (state.warnings as string[]).find((w) => w.startsWith('recording could not be re-analysed'));
    expect(warning).toMatch(/: line 1: header is not valid JSON$/);
    expectNoServerPath(JSON.stringify(state), dataDir);
  });
});

describe('storage failures', () => {
  it('importing into a data directory whose recordings folder is unusable: 507 HINGE_ERR_STORAGE, no paths', async () => {
    const dataDir = tempDir('hinge-errmsg-import-');
    const app = await makeApp(dataDir);
    const patient = app.bridge.hub.createPatient({ name: 'Ada' });
    rmSync(path.join(dataDir, 'recordings'), { recursive: true });
    writeFileSync(path.join(dataDir, 'recordings'), 'not a folder'); // ENOTDIR for every file under it
    const csv = (name: string) => ({ files: [{ name, text: 't_s,ax,ay,az,gx,gy,gz\n' + Array.from({ length: 300 }, (_, i) => `${i / 100},0,0,9.8,0,0,0`).join('\n') + '\n' }] });
    const res = await app.inject({
      method: 'POST',
      url: '/api/sessions/import',
      payload: { patientId: patient.id, format: 'generic', columns: 't=t_s;acc=ax,ay,az;gyr=gx,gy,gz', startedAt: '2026-11-24T10:00:00Z', sacrum: csv('sacrum.csv'), thoracic: csv('thoracic.csv') },
    });
    expect(res.json().code).toBe('HINGE_ERR_STORAGE');
    expect(res.statusCode).toBe(507);
    expect(res.json().message.split('\n')).toHaveLength(1);
    expectNoServerPath(res.body, dataDir);
  });

  it('a control over the WebSocket that fails on storage is HINGE_ERR_STORAGE there too (as on REST), not internal', async () => {
    const dataDir = tempDir('hinge-errmsg-ws-');
    const app = await makeApp(dataDir);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const patient = app.bridge.hub.createPatient({ name: 'Ada' });
    const session = await app.bridge.hub.createSession({ patientId: patient.id, source: { kind: 'simulator', seed: 1 } });
    const live = app.bridge.hub.liveSession(session.id);
    const full = Object.assign(new Error(`SQLITE_FULL: database or disk is full, ${path.join(dataDir, 'hinge.db')}`), { code: 'SQLITE_FULL' });
    vi.spyOn(live, 'annotate').mockImplementation(() => {
      throw full;
    });
    const { port } = app.server.address() as { port: number };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const replies: ServerMessage[] = [];
    ws.on('message', (data: Buffer) => replies.push(JSON.parse(data.toString()) as ServerMessage));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'annotate', id: 'n1', sessionId: session.id, text: 'knee pain' }));
    const deadline = Date.now() + 5000;
    while (!replies.some((m) => m.type === 'error' || m.type === 'ack') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    ws.close();
    const reply = replies.find((m) => m.type === 'error' || m.type === 'ack');
    expect(reply).toMatchObject({ type: 'error', id: 'n1', code: 'HINGE_ERR_STORAGE' });
    expect((reply as { message: string }).message).toBe('the data directory cannot be written (disk full or read-only): disk full (SQLITE_FULL)');
  });
});

describe('the list of error codes', () => {
  it('docs/websocket-protocol.md lists exactly the codes of ERROR_CODES, once each', () => {
    const doc = readFileSync(new URL('../../../../docs/websocket-protocol.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Error codes'));
    const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| code |')));
    const listed = [...table.matchAll(/^\| `(HINGE_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed.slice().sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
