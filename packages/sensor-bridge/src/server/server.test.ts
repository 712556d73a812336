// The bridge server driven through `inject` (REST) and real WebSocket clients: the session
// lifecycle, stored sets and reps, exports, bad requests and messages, access control.
// The server's machinery is tested with a mechanical stand-in analysis (test-support/standin-analysis.ts)
// so these checks do not depend on analysis accuracy.
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import type { ServerMessage, SessionState } from '@hinge/protocol';
import { buildApp } from './app';
import { networkHosts } from './rest-routes';
import { simulateSession } from '@hinge/simulator';
import { writeRecordingFile } from '../recording/writer';
import { readRecording } from '../recording/reader';
import { standinAnalysis, REP_PERIOD_S } from '../../test/standin-analysis';
import { readMcap } from '../../test/read-mcap';
import { HARD_LIMIT_BYTES, HELD_ANGLE_SAMPLES } from './client-channel';
import { CLIENT_HEADER } from './request-guard';

/** Marks a body-less POST as sent by script (request-guard.ts). */
const SCRIPTED = { [CLIENT_HEADER]: 'test' };

let fixtureDir: string;
const dirs: string[] = [];
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  fixtureDir = mkdtempSync(path.join(tmpdir(), 'hinge-fixture-'));
  const { header, lines } = simulateSession({ seed: 7, script: [{ kind: 'stand', durationS: 3 }, { kind: 'hinge' }, { kind: 'stand', durationS: 2 }, { kind: 'hinge' }, { kind: 'stand', durationS: 3 }] });
  await writeRecordingFile(path.join(fixtureDir, 'short.jsonl'), header, lines);
});
afterEach(async () => {
  while (apps.length > 0) await apps.pop()?.close();
});
afterAll(() => {
  for (const d of [fixtureDir, ...dirs]) rmSync(d, { recursive: true, force: true });
});

async function makeApp(options: { tokenRequired?: boolean; dataDir?: string } = {}): Promise<FastifyInstance> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'hinge-data-'));
  dirs.push(dataDir);
  const app = await buildApp({ dataDir, replayDirs: [fixtureDir], analysis: standinAnalysis, ...(options.tokenRequired ? { tokenRequired: true } : {}) });
  apps.push(app);
  return app;
}

async function createPatientAndSession(app: FastifyInstance, source?: object): Promise<SessionState> {
  const patient = await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Ada' } });
  expect(patient.statusCode).toBe(201);
  const created = await app.inject({
    method: 'POST',
    url: '/api/sessions',
    payload: { patientId: patient.json().id, settings: { painLevel: 3, load: 'dowel', lumbarLimitDeg: 20, targetReps: 6 }, ...(source ? { source } : {}) },
  });
  expect(created.statusCode).toBe(201);
  return created.json();
}

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('session lifecycle over REST (inject)', () => {
  it('create -> assign sensors -> calibrate -> sets -> stop -> summary, with stored reps and exports', async () => {
    const app = await makeApp();
    const session = await createPatientAndSession(app);
    expect(session.status).toBe('created');
    expect(session.settings).toMatchObject({ painLevel: 3, load: 'dowel', lumbarLimitDeg: 20, targetReps: 6, tempoMinS: 1 });

    const attached = await app.inject({ method: 'PUT', url: `/api/sessions/${session.id}/source`, payload: { kind: 'replay', recording: 'short.jsonl', speed: 10 } });
    expect(attached.statusCode).toBe(200);
    expect(attached.json().status).toBe('live');
    expect(attached.json().capabilities).toEqual(expect.arrayContaining(['seek', 'speed']));
    expect(attached.json().capabilities).not.toContain('live');

    expect((await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/calibrate`, headers: SCRIPTED })).statusCode).toBe(200);
    const started = await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/sets/start`, headers: SCRIPTED });
    expect(started.json().activeSet).toBe(1);
    const again = await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/sets/start`, headers: SCRIPTED });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('HINGE_ERR_SET_RUNNING');

    await until(async () => (await app.inject({ url: `/api/sessions/${session.id}` })).json().repCount >= 2);
    const patched = await app.inject({ method: 'PATCH', url: `/api/sessions/${session.id}/settings`, payload: { lumbarLimitDeg: 30 } });
    expect(patched.json().settings.lumbarLimitDeg).toBe(30);
    const stoppedSet = await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/sets/stop`, headers: SCRIPTED });
    expect(stoppedSet.json().activeSet).toBeNull();
    expect(stoppedSet.json().sets[0].end).not.toBeNull();

    const stopped = await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/stop`, headers: SCRIPTED });
    expect(stopped.json().status).toBe('stopped');
    const detail = (await app.inject({ url: `/api/sessions/${session.id}` })).json();
    expect(detail.summary.repCount).toBe(detail.reps.length);
    expect(detail.reps.length).toBe(Math.floor(detail.t / REP_PERIOD_S));
    expect(detail.reps.filter((r: { setIndex: number | null }) => r.setIndex === 1).length).toBeGreaterThanOrEqual(2);

    // The recording holds the samples and the control actions as events, in order.
    const recording = await app.inject({ url: `/api/sessions/${session.id}/export/recording` });
    expect(recording.statusCode).toBe(200);
    expect(recording.headers['content-disposition']).toBe(`attachment; filename="${session.id}.jsonl.gz"`);
    const file = path.join(fixtureDir, `${session.id}-export.jsonl.gz`);
    await import('node:fs/promises').then((fs) => fs.writeFile(file, recording.rawPayload));
    const { header, lines } = await readRecording(file);
    expect(header.session).toMatchObject({ id: session.id });
    const events = lines.filter((l) => 'event' in l).map((l) => (l as { event: string }).event);
    expect(events).toEqual(expect.arrayContaining(['calibrate', 'set-start', 'settings', 'set-end']));
    expect(events.indexOf('calibrate')).toBeLessThan(events.indexOf('set-start'));

    const reps = await app.inject({ url: `/api/sessions/${session.id}/export/reps.csv` });
    const rows = reps.body.trim().split('\n');
    expect(rows[0]).toBe('index,set,start,bottom,end,peakTrunkDeg,peakPelvisDeg,peakLumbarDeg,peakLumbarUncertaintyDeg,hipShare,descentS,ascentS,lumbar-rounding,knee-dominant,too-fast');
    expect(rows.length - 1).toBe(detail.reps.length);

    const angles = await app.inject({ url: `/api/sessions/${session.id}/export/angles.csv` });
    const angleRows = angles.body.trim().split('\n');
    expect(angleRows[0]).toBe('t,pelvisDeg,trunkDeg,lumbarDeg');
    expect(angleRows.length - 1).toBe(lines.filter((l) => 'sensor' in l && l.sensor === 'sacrum' && !('event' in l)).length);

    const mcap = await app.inject({ url: `/api/sessions/${session.id}/export/session.mcap` });
    expect(mcap.statusCode).toBe(200);
    const read = await readMcap(new Uint8Array(mcap.rawPayload));
    const counts = new Map<string, number>();
    for (const m of read.messages) counts.set(m.topic, (counts.get(m.topic) ?? 0) + 1);
    expect([...read.topics.values()].sort()).toEqual(['/angles', '/events', '/imu/sacrum', '/imu/thoracic', '/log', '/reps', '/tf']);
    expect(counts.get('/reps')).toBe(detail.reps.length);
    expect((counts.get('/imu/sacrum') ?? 0) + (counts.get('/imu/thoracic') ?? 0)).toBe(lines.length - events.length);
  });

  it('a set ends by itself at its target: a set-end line with reason "target" in the recording, so a replay agrees', async () => {
    const app = await makeApp();
    const patient = (await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Target' } })).json();
    const session = (await app.inject({ method: 'POST', url: '/api/sessions', payload: { patientId: patient.id, settings: { targetReps: 2, targetSets: 2 } } })).json();
    await app.inject({ method: 'PUT', url: `/api/sessions/${session.id}/source`, payload: { kind: 'replay', recording: 'short.jsonl', speed: 5 } });
    expect((await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/sets/start`, headers: SCRIPTED })).json().activeSet).toBe(1);
    await until(async () => (await app.inject({ url: `/api/sessions/${session.id}` })).json().activeSet === null);
    const state = (await app.inject({ url: `/api/sessions/${session.id}` })).json();
    expect(state.sets).toHaveLength(1);
    expect(state.sets[0].repCount).toBe(2);
    expect(state.reps.filter((r: { setIndex: number | null }) => r.setIndex === 1)).toHaveLength(2);
    await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/stop`, headers: SCRIPTED });
    const file = path.join(fixtureDir, `${session.id}-target.jsonl.gz`);
    await import('node:fs/promises').then(async (fs) => fs.writeFile(file, (await app.inject({ url: `/api/sessions/${session.id}/export/recording` })).rawPayload));
    const ends = (await readRecording(file)).lines.filter((l) => 'event' in l && l.event === 'set-end');
    expect(ends.map((l) => ('detail' in l ? l.detail : null))).toEqual([{ index: 1, reason: 'target' }]);
    expect((ends[0] as { t: number }).t).toBeGreaterThanOrEqual(state.reps[1].end);
  });

  it('a patient-screen link names the addresses another device can use: none on loopback', async () => {
    const app = await makeApp();
    const session = await createPatientAndSession(app);
    const link = (await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/display-link`, headers: SCRIPTED })).json();
    expect(link.networkHosts).toEqual([]);
    expect(networkHosts('192.168.1.20')).toEqual(['192.168.1.20']);
    const external = Object.values(networkInterfaces()).flatMap((l) => l ?? []).filter((a) => !a.internal && a.family === 'IPv4').map((a) => a.address);
    expect(networkHosts('0.0.0.0')).toEqual(external);
    expect(networkHosts('0.0.0.0')).not.toContain('127.0.0.1');
  });

  it('a data directory moved elsewhere (restored backup) serves every export from its new place', async () => {
    const original = mkdtempSync(path.join(tmpdir(), 'hinge-data-'));
    const app = await makeApp({ dataDir: original });
    const session = await createPatientAndSession(app, { kind: 'replay', recording: 'short.jsonl', speed: 20 });
    await until(async () => (await app.inject({ url: `/api/sessions/${session.id}` })).json().status === 'stopped', 15_000);
    const exports = ['export/recording', 'export/angles.csv', 'export/reps.csv', 'export/about.json', 'export/fhir.json', 'export/report.pdf', 'export/session.mcap', 'analysis'];
    const sameBytes = ['export/recording', 'export/angles.csv', 'export/reps.csv', 'export/about.json', 'analysis'];
    const before = new Map<string, string>();
    for (const e of exports) before.set(e, (await app.inject({ url: `/api/sessions/${session.id}/${e}` })).body);
    expect(app.bridge.store.getSession(session.id)?.recordingPath).toMatch(/^recordings[/\\]/);
    await app.close();
    apps.splice(apps.indexOf(app), 1);

    const moved = path.join(mkdtempSync(path.join(tmpdir(), 'hinge-restored-')), 'data');
    dirs.push(path.dirname(moved));
    renameSync(original, moved);
    const restored = await makeApp({ dataDir: moved });
    for (const e of exports) {
      const res = await restored.inject({ url: `/api/sessions/${session.id}/${e}` });
      expect({ e, statusCode: res.statusCode }).toEqual({ e, statusCode: 200 });
      if (sameBytes.includes(e)) expect(res.body).toBe(before.get(e));
    }
  });

  it('answers bad requests with codes and stable messages, and keeps running', async () => {
    const app = await makeApp();
    const session = await createPatientAndSession(app);
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/api/patients', { name: '' }, 400, 'HINGE_ERR_BAD_MESSAGE'],
      ['POST', '/api/patients', { name: 'x', admin: true }, 400, 'HINGE_ERR_BAD_MESSAGE'],
      ['POST', '/api/sessions', { patientId: 'p_nobody' }, 404, 'HINGE_ERR_PATIENT_NOT_FOUND'],
      ['POST', '/api/sessions', { patientId: session.patientId, settings: { lumbarLimitDeg: 400 } }, 400, 'HINGE_ERR_BAD_MESSAGE'],
      // A limit of 0 is refused (it used to be stored, then silently replaced by 20 in the analysis).
      ['POST', '/api/sessions', { patientId: session.patientId, settings: { lumbarLimitDeg: 0 } }, 400, 'HINGE_ERR_BAD_MESSAGE'],
      ['PATCH', `/api/sessions/${session.id}/settings`, { tempoMinS: -1 }, 400, 'HINGE_ERR_BAD_MESSAGE'],
      ['GET', '/api/sessions/s_nothing', undefined, 404, 'HINGE_ERR_SESSION_NOT_FOUND'],
      ['POST', `/api/sessions/${session.id}/calibrate`, undefined, 409, 'HINGE_ERR_SESSION_NOT_LIVE'],
      ['PUT', `/api/sessions/${session.id}/source`, { kind: 'replay', recording: '../../etc/passwd' }, 422, 'HINGE_ERR_SOURCE'],
      ['PUT', `/api/sessions/${session.id}/source`, { kind: 'replay', recording: 'missing.jsonl' }, 422, 'HINGE_ERR_SOURCE'],
      ['PUT', `/api/sessions/${session.id}/source`, { kind: 'ble', sacrum: 'aa', thoracic: 'bb' }, 422, 'HINGE_ERR_SOURCE'],
    ];
    for (const [method, url, payload, statusCode, code] of cases) {
      const res = await app.inject({ method: method as 'GET', url, headers: SCRIPTED, ...(payload !== undefined ? { payload: payload as object } : {}) });
      expect({ url, statusCode: res.statusCode, code: res.json().code }).toEqual({ url, statusCode, code });
    }
    const notJson = await app.inject({ method: 'POST', url: '/api/patients', headers: { 'content-type': 'application/json' }, payload: '{nope' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().code).toBe('HINGE_ERR_BAD_JSON');
    const huge = await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'x', notes: 'a'.repeat(100_000) } });
    expect(huge.statusCode).toBe(413);
    // The session is still usable after all that.
    const ok = await app.inject({ method: 'PUT', url: `/api/sessions/${session.id}/source`, payload: { kind: 'replay', recording: 'short.jsonl', speed: 5 } });
    expect(ok.json().status).toBe('live');
  });

  it('requires the access token off loopback; a display link reads one session only', async () => {
    const app = await makeApp({ tokenRequired: true });
    const token = app.bridge.policy.accessToken;
    expect((await app.inject({ url: '/api/patients' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/patients', headers: { authorization: 'Bearer wrong' } })).json().code).toBe('HINGE_ERR_UNAUTHORIZED');
    const auth = { authorization: `Bearer ${token}` };
    const patient = (await app.inject({ method: 'POST', url: '/api/patients', headers: auth, payload: { name: 'Bo' } })).json();
    const s1 = (await app.inject({ method: 'POST', url: '/api/sessions', headers: auth, payload: { patientId: patient.id } })).json();
    const s2 = (await app.inject({ method: 'POST', url: '/api/sessions', headers: auth, payload: { patientId: patient.id } })).json();
    const link = (await app.inject({ method: 'POST', url: `/api/sessions/${s1.id}/display-link`, headers: { ...auth, ...SCRIPTED } })).json();
    const display = { authorization: `Bearer ${link.token}` };
    expect((await app.inject({ url: `/api/sessions/${s1.id}`, headers: display })).statusCode).toBe(200);
    expect((await app.inject({ url: `/api/sessions/${s2.id}`, headers: display })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: `/api/sessions/${s1.id}/stop`, headers: { ...display, ...SCRIPTED } })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/patients', headers: display })).statusCode).toBe(403);
  });
});

// ---- WebSocket ---------------------------------------------------------------------------------

interface Client {
  ws: WebSocket;
  messages: ServerMessage[];
  next(match: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const ws = new WebSocket(url, { headers });
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as ServerMessage));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  let seen = 0;
  return {
    ws,
    messages,
    async next(match, timeoutMs = 10_000) {
      let found: ServerMessage | undefined;
      await until(() => {
        for (; seen < messages.length; seen++) {
          const m = messages[seen] as ServerMessage;
          if (match(m)) {
            found = m;
            seen++;
            return true;
          }
        }
        return false;
      }, timeoutMs);
      return found as ServerMessage;
    },
  };
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `ws://127.0.0.1:${address.port}/ws`;
}

describe('WebSocket protocol with real clients', () => {
  it('hello, subscribe, angle frames, events, controls with acks; bad messages get errors and hurt nothing', async () => {
    const app = await makeApp();
    const session = await createPatientAndSession(app, { kind: 'replay', recording: 'short.jsonl', speed: 4 });
    const url = await listen(app);
    const client = await connect(url);
    const hello = await client.next((m) => m.type === 'hello');
    expect(hello).toMatchObject({ protocol: 1, role: 'clinician', capabilities: ['control', 'read-all'] });
    expect(hello.type === 'hello' && hello.sessions.map((s) => s.id)).toContain(session.id);

    const bad = ['not json', '[1,2]', '{"type":"explode","id":"u1"}', '{"type":"subscribe","id":"b1"}', `{"type":"update-settings","id":"b2","sessionId":"${session.id}","settings":{"lumbarLimitDeg":-5}}`, `{"type":"stop-set","id":"b3","sessionId":"${session.id}"}`, '{"type":"subscribe","id":"b4","sessionId":"s_none"}'];
    for (const text of bad) client.ws.send(text);
    client.ws.send('x'.repeat(20)); // still valid size
    const errors: ServerMessage[] = [];
    for (let i = 0; i < bad.length + 1; i++) errors.push(await client.next((m) => m.type === 'error'));
    expect(errors.map((e) => (e.type === 'error' ? e.code : ''))).toEqual([
      'HINGE_ERR_BAD_JSON',
      'HINGE_ERR_BAD_MESSAGE',
      'HINGE_ERR_UNKNOWN_TYPE',
      'HINGE_ERR_BAD_MESSAGE',
      'HINGE_ERR_BAD_MESSAGE',
      'HINGE_ERR_NO_SET',
      'HINGE_ERR_SESSION_NOT_FOUND',
      'HINGE_ERR_BAD_JSON',
    ]);
    expect(errors.slice(2, 7).map((e) => (e.type === 'error' ? e.id : ''))).toEqual(['u1', 'b1', 'b2', 'b3', 'b4']);

    client.ws.send(JSON.stringify({ type: 'subscribe', id: 's1', sessionId: session.id }));
    expect(await client.next((m) => m.type === 'ack')).toEqual({ type: 'ack', id: 's1', of: 'subscribe' });
    const snapshot = await client.next((m) => m.type === 'session');
    expect(snapshot.type === 'session' && snapshot.session.id).toBe(session.id);
    await client.next((m) => m.type === 'sensor-status');
    const frame = await client.next((m) => m.type === 'angles');
    expect(frame.type === 'angles' && frame.t.length).toBeGreaterThan(0);

    client.ws.send(JSON.stringify({ type: 'start-set', id: 'c1', sessionId: session.id }));
    expect(await client.next((m) => m.type === 'ack' && m.id === 'c1')).toMatchObject({ of: 'start-set' });
    client.ws.send(JSON.stringify({ type: 'update-settings', id: 'c2', sessionId: session.id, settings: { lumbarLimitDeg: 22, targetReps: 5 } }));
    await client.next((m) => m.type === 'ack' && m.id === 'c2');
    const rep = await client.next((m) => m.type === 'event' && m.event.type === 'rep-completed');
    expect(rep.type === 'event' && rep.event.type === 'rep-completed' && rep.event.rep.index).toBe(1);

    // A message over the size limit closes that socket only; the session keeps running.
    const other = await connect(url);
    const closed = new Promise<number>((resolve) => other.ws.once('close', (code) => resolve(code)));
    other.ws.send(JSON.stringify({ type: 'ping', id: 'x'.repeat(20_000) }));
    expect(await closed).toBe(1009);

    client.ws.send(JSON.stringify({ type: 'ping', id: 'p' }));
    expect(await client.next((m) => m.type === 'pong')).toEqual({ type: 'pong', id: 'p' });
    const state = (await app.inject({ url: `/api/sessions/${session.id}` })).json();
    expect(state.status).toBe('live');
    expect(state.settings.lumbarLimitDeg).toBe(22);
    expect(state.activeSet).toBe(1);
    client.ws.close();
  });

  it('checks Origin and tokens at the upgrade; a display link may only watch its own session', async () => {
    const app = await makeApp({ tokenRequired: true });
    const url = await listen(app);
    const token = app.bridge.policy.accessToken;
    await expect(connect(url)).rejects.toThrow('HTTP 401');
    await expect(connect(`${url}?token=${token}`, { origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    const host = new URL(url).host;
    const clinician = await connect(`${url}?token=${token}`, { origin: `http://${host}` });
    await clinician.next((m) => m.type === 'hello');

    const auth = { authorization: `Bearer ${token}` };
    const patient = (await app.inject({ method: 'POST', url: '/api/patients', headers: auth, payload: { name: 'Cy' } })).json();
    const mine = (await app.inject({ method: 'POST', url: '/api/sessions', headers: auth, payload: { patientId: patient.id, source: { kind: 'replay', recording: 'short.jsonl', speed: 2 } } })).json();
    const theirs = (await app.inject({ method: 'POST', url: '/api/sessions', headers: auth, payload: { patientId: patient.id, source: { kind: 'replay', recording: 'short.jsonl', speed: 2 } } })).json();
    const link = (await app.inject({ method: 'POST', url: `/api/sessions/${mine.id}/display-link`, headers: { ...auth, ...SCRIPTED } })).json();

    const display = await connect(`${url}?token=${link.token}`);
    const hello = await display.next((m) => m.type === 'hello');
    expect(hello).toMatchObject({ role: 'display', capabilities: [], displaySessionId: mine.id });
    expect(hello.type === 'hello' && hello.sessions.map((s) => s.id)).toEqual([mine.id]);
    display.ws.send(JSON.stringify({ type: 'subscribe', id: 'a', sessionId: theirs.id }));
    expect(await display.next((m) => m.type === 'error')).toMatchObject({ id: 'a', code: 'HINGE_ERR_FORBIDDEN' });
    display.ws.send(JSON.stringify({ type: 'calibrate', id: 'b', sessionId: mine.id }));
    expect(await display.next((m) => m.type === 'error')).toMatchObject({ id: 'b', code: 'HINGE_ERR_FORBIDDEN' });
    display.ws.send(JSON.stringify({ type: 'subscribe', id: 'c', sessionId: mine.id }));
    expect(await display.next((m) => m.type === 'ack')).toMatchObject({ id: 'c' });
    await display.next((m) => m.type === 'angles');
    display.ws.close();
    clinician.ws.close();
  });

  it('runs several sessions at once, each client getting only what it subscribed to', async () => {
    const app = await makeApp();
    const a = await createPatientAndSession(app, { kind: 'replay', recording: 'short.jsonl', speed: 3 });
    const b = await createPatientAndSession(app, { kind: 'simulator', seed: 3 });
    expect(b.capabilities).not.toContain('seek');
    const url = await listen(app);
    const ca = await connect(url);
    const cb = await connect(url);
    ca.ws.send(JSON.stringify({ type: 'subscribe', sessionId: a.id }));
    cb.ws.send(JSON.stringify({ type: 'subscribe', sessionId: b.id }));
    await ca.next((m) => m.type === 'angles');
    await cb.next((m) => m.type === 'angles');
    await new Promise((r) => setTimeout(r, 300));
    const sessionsSeen = (c: Client) => new Set(c.messages.filter((m) => m.type === 'angles').map((m) => (m.type === 'angles' ? m.sessionId : '')));
    expect([...sessionsSeen(ca)]).toEqual([a.id]);
    expect([...sessionsSeen(cb)]).toEqual([b.id]);
    cb.ws.send(JSON.stringify({ type: 'seek', id: 'k', sessionId: b.id, t: 1 }));
    expect(await cb.next((m) => m.type === 'error')).toMatchObject({ id: 'k', code: 'HINGE_ERR_NOT_SUPPORTED' });
    ca.ws.close();
    cb.ws.close();
    expect(readFileSync(app.bridge.layout.accessToken, 'utf8').trim().length).toBeGreaterThan(16);
  });

  it('a stalled client does not grow the server\'s memory or hold up others; its events are not dropped', async () => {
    const app = await makeApp();
    // 100 x real time in a loop: far more than a paused socket takes.
    const session = await createPatientAndSession(app, { kind: 'replay', recording: 'short.jsonl', speed: 100, loop: true });
    const url = await listen(app);
    const stalled = await connect(url);
    const healthy = await connect(url);
    for (const c of [stalled, healthy]) c.ws.send(JSON.stringify({ type: 'subscribe', sessionId: session.id }));
    await stalled.next((m) => m.type === 'angles');
    const closeCode = new Promise<number>((resolve) => stalled.ws.once('close', (code) => resolve(code)));
    const socket = (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const healthyFramesBefore = healthy.messages.filter((m) => m.type === 'angles').length;
    let maxHeld = 0;
    const stallStart = Date.now();
    // Wait until the kernel's socket buffers are full and the bridge starts holding angles back.
    await until(() => {
      const all = app.bridge.hub.connectionStats();
      for (const st of all) maxHeld = Math.max(maxHeld, st.heldAngleSamples);
      return all.some((st) => st.droppedAngleSamples > 0);
    }, 25_000);
    console.log(`stalled client: angles dropped after ${Date.now() - stallStart} ms`);
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 50));
      for (const st of app.bridge.hub.connectionStats()) maxHeld = Math.max(maxHeld, st.heldAngleSamples);
    }
    const stats = app.bridge.hub.connectionStats();
    const worst = stats.reduce((a, b) => (b.droppedAngleSamples > a.droppedAngleSamples ? b : a));
    expect(worst.droppedAngleSamples).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(HELD_ANGLE_SAMPLES);
    expect(Math.max(...stats.map((s) => s.peakBufferedBytes))).toBeLessThan(HARD_LIMIT_BYTES + 64 * 1024);
    // The healthy client kept receiving while the other was stalled.
    expect(healthy.messages.filter((m) => m.type === 'angles').length).toBeGreaterThan(healthyFramesBefore + 10);

    socket.resume();
    const outcome = await Promise.race([
      closeCode.then((code) => ({ closed: code })),
      stalled.next((m) => m.type === 'angles' && (m.droppedSamples ?? 0) > 0).then(() => ({ closed: null })),
    ]);
    if (outcome.closed !== null) {
      // It fell so far behind that it was cut off (and may reconnect): code 4008.
      expect(outcome.closed).toBe(4008);
    } else {
      // It caught up: every rep event arrived, in order, none dropped.
      await new Promise((r) => setTimeout(r, 200));
      const indices = stalled.messages.flatMap((m) => (m.type === 'event' && m.event.type === 'rep-completed' ? [m.event.rep.index] : []));
      expect(indices.length).toBeGreaterThan(5);
      expect(indices).toEqual(indices.map((_, i) => (indices[0] as number) + i));
    }
    stalled.ws.terminate();
    healthy.ws.close();
  });
});

describe('crash and restart', () => {
  it('after kill -9 mid-recording, the recording keeps everything up to the last second and the session is closed as interrupted', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-crash-'));
    dirs.push(dataDir);
    const here = path.dirname(fileURLToPath(import.meta.url));
    // node itself with tsx's loader (not the tsx wrapper), so SIGKILL hits the bridge process.
    const repoRoot = path.resolve(here, '../../../..');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '../../test/crash-child.ts'), dataDir, fixtureDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started = await new Promise<{ sessionId: string; recordingPath: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] as string));
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 2500));
    // What was on disk one second before the kill must survive it.
    // Live recordings are gzip streams sync-flushed every 250 ms: what is on disk decodes without the stream's end.
    const linesOnDisk = () => gunzipSync(readFileSync(started.recordingPath), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString().split('\n').length - 1;
    expect(started.recordingPath.endsWith('.jsonl.gz')).toBe(true);
    const linesOneSecondBefore = linesOnDisk();
    await new Promise((r) => setTimeout(r, 1000));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const linesAfterKill = linesOnDisk();
    expect(linesOneSecondBefore).toBeGreaterThan(100);
    expect(linesAfterKill).toBeGreaterThan(linesOneSecondBefore);

    // Restart on the same data directory.
    const app = await makeApp({ dataDir });
    expect(app.bridge.recovered).toEqual([started.sessionId]);
    const detail = (await app.inject({ url: `/api/sessions/${started.sessionId}` })).json();
    expect(detail.status).toBe('interrupted');
    expect(detail.endedAt).not.toBeNull();
    expect(detail.warnings.join(' ')).toContain('interrupted');
    expect(detail.sets).toHaveLength(1);
    expect(detail.sets[0].end).toBeCloseTo(detail.t, 6);
    expect(detail.summary.repCount).toBe(detail.reps.length);
    // The file is a whole, strictly valid recording that ends with the interruption mark.
    const { lines } = await readRecording(started.recordingPath, { mode: 'strict' });
    // The stand-in makes a rep every REP_PERIOD_S of sacrum time (the session's t may be a thoracic sample's, later).
    const lastSacrumT = Math.max(...lines.flatMap((l) => ('sensor' in l && l.sensor === 'sacrum' ? [l.t] : [])));
    expect(detail.reps.length).toBe(Math.floor(lastSacrumT / REP_PERIOD_S));
    expect(lines.length).toBeGreaterThanOrEqual(linesAfterKill - 1);
    expect(lines.at(-1)).toMatchObject({ event: 'interrupted' });
    // A second start finds nothing left to recover.
    await app.close();
    apps.pop();
    const again = await makeApp({ dataDir });
    expect(again.bridge.recovered).toEqual([]);
  });
});

describe('with the real analysis', () => {
  it('a replayed fixture streams angles and the rep count of its ground truth to a WebSocket client, and is stored', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const fixtures = path.resolve(here, '../../../../fixtures');
    const truth = JSON.parse(readFileSync(path.join(fixtures, 'clean.truth.json'), 'utf8')) as { reps: unknown[] };
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-real-'));
    dirs.push(dataDir);
    const app = await buildApp({ dataDir, replayDirs: [fixtures] });
    apps.push(app);
    const url = await listen(app);
    const client = await connect(url);
    await client.next((m) => m.type === 'hello');
    const patient = (await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Real' } })).json();
    const session = (await app.inject({ method: 'POST', url: '/api/sessions', payload: { patientId: patient.id } })).json();
    client.ws.send(JSON.stringify({ type: 'subscribe', sessionId: session.id }));
    await client.next((m) => m.type === 'ack');
    await app.inject({ method: 'PUT', url: `/api/sessions/${session.id}/source`, payload: { kind: 'replay', recording: 'clean.jsonl', speed: 25 } });
    const ended = await client.next((m) => m.type === 'session' && m.session.status === 'stopped', 20_000);
    // The fixture's first stand carries a `calibrate` line and no set is ever started: a live session (sets from
    // set lines) takes the two bends after it for the calibration wizard's bends, not reps (analysis-output.md).
    const reps = client.messages.filter((m) => m.type === 'event' && m.event.type === 'rep-completed');
    const bends = client.messages.filter((m) => m.type === 'event' && m.event.type === 'calibration-bend');
    expect(bends).toHaveLength(2);
    expect(reps).toHaveLength(truth.reps.length - 2);
    expect(ended.type === 'session' && ended.session.summary?.repCount).toBe(truth.reps.length - 2);
    const frames = client.messages.filter((m) => m.type === 'angles');
    const samples = frames.reduce((n, f) => n + (f.type === 'angles' ? f.t.length : 0), 0);
    expect(samples).toBeGreaterThan(50 * 60); // at least 50 angle samples per second of a ~68 s recording
    expect((await app.inject({ url: `/api/sessions/${session.id}/reps` })).json()).toHaveLength(truth.reps.length - 2);
    client.ws.close();
  });
});
