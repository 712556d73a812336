// Control messages are rate-limited (rate-limit.ts): 2,000 calibrate messages on one WebSocket, or a
// burst of REST calls, neither run 2,000 actions nor write 2,000 lines into the recording; the client
// gets HINGE_ERR_RATE_LIMITED. `hinge token rotate` replaces the token and revokes every display link,
// also for a bridge that is running: the old token and the links stop working, and an open patient
// screen's connection is closed.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import type { ServerMessage } from '@hinge/protocol';
import { simulateSession } from '@hinge/simulator';
import { writeRecordingFile } from '../recording/writer';
import { main } from '../cli/main';
import { buildApp } from './app';
import { CONTROL_BURST } from './rate-limit';
import { WS_CLOSE_ACCESS_REVOKED } from './ws-route';
import { CLIENT_HEADER } from './request-guard';
import { standinAnalysis } from '../../test/standin-analysis';
import { capturedIO } from '../../test/captured-io';

let dir: string;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hinge-limits-'));
  const { header, lines } = simulateSession({ seed: 2, script: [{ kind: 'stand', durationS: 3 }, { kind: 'hinge' }, { kind: 'stand', durationS: 2 }] });
  await writeRecordingFile(path.join(dir, 'short.jsonl'), header, lines);
});
afterEach(async () => {
  while (apps.length > 0) await apps.pop()?.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function makeApp(options: { tokenRequired?: boolean } = {}) {
  const dataDir = mkdtempSync(path.join(dir, 'data-'));
  const app = await buildApp({ dataDir, replayDirs: [dir], analysis: standinAnalysis, ...options });
  apps.push(app);
  return { app, dataDir };
}

async function liveSession(app: FastifyInstance, headers: Record<string, string> = {}) {
  const patient = (await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Ada' }, headers })).json();
  const session = await app.inject({ method: 'POST', url: '/api/sessions', headers, payload: { patientId: patient.id, source: { kind: 'replay', recording: 'short.jsonl', loop: true } } });
  return session.json() as { id: string };
}

async function open(app: FastifyInstance, query = '') {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  const ws = new WebSocket(`ws://127.0.0.1:${address.port}/ws${query}`);
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as ServerMessage));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, port: address.port };
}

const until = async (check: () => boolean, timeoutMs = 10_000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** The calibrate lines of the session's recording (a .jsonl.gz being written: read up to its last flush). */
function calibrateLines(dataDir: string, sessionId: string): number {
  const name = readdirSync(path.join(dataDir, 'recordings')).find((n) => n.includes(sessionId))!;
  const raw = readFileSync(path.join(dataDir, 'recordings', name));
  const text = name.endsWith('.gz') ? gunzipSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString() : raw.toString();
  return text.split('\n').filter((l) => l.includes('"event":"calibrate"')).length;
}

describe('control messages are rate-limited', () => {
  it('2,000 calibrate messages on one WebSocket: the burst is done, the rest refused, the recording holds the burst only', async () => {
    const { app, dataDir } = await makeApp();
    const session = await liveSession(app);
    const client = await open(app);
    const n = 2000;
    for (let i = 0; i < n; i++) client.ws.send(JSON.stringify({ type: 'calibrate', id: `c${i}`, sessionId: session.id }));
    await until(() => client.messages.filter((m) => (m.type === 'ack' && m.of === 'calibrate') || m.type === 'error').length >= n);
    const acks = client.messages.filter((m) => m.type === 'ack' && m.of === 'calibrate').length;
    const limited = client.messages.filter((m) => m.type === 'error' && m.code === 'HINGE_ERR_RATE_LIMITED');
    expect(acks).toBeGreaterThanOrEqual(CONTROL_BURST);
    expect(acks).toBeLessThan(CONTROL_BURST + 50); // what refills while 2,000 messages are handled
    expect(limited.length).toBe(n - acks);
    expect(limited[0]).toMatchObject({ message: expect.stringMatching(/^[^\n]*control messages a second[^\n]*$/) });
    // Other messages still work, and the session runs.
    client.ws.send(JSON.stringify({ type: 'ping', id: 'p' }));
    await until(() => client.messages.some((m) => m.type === 'pong'));
    await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/stop`, headers: { [CLIENT_HEADER]: 'test' } });
    expect(calibrateLines(dataDir, session.id)).toBe(acks);
    client.ws.close();
  });

  it('REST control routes: beyond the burst 429 HINGE_ERR_RATE_LIMITED with Retry-After', async () => {
    const { app } = await makeApp();
    const session = await liveSession(app);
    const codes: number[] = [];
    for (let i = 0; i < CONTROL_BURST + 10; i++) {
      codes.push((await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/calibrate`, headers: { [CLIENT_HEADER]: 'test' } })).statusCode);
    }
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(CONTROL_BURST);
    const refused = await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/calibrate`, headers: { [CLIENT_HEADER]: 'test' } });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'HINGE_ERR_RATE_LIMITED' });
    expect(refused.headers['retry-after']).toBe('1');
    // Reading is not limited.
    expect((await app.inject({ url: `/api/sessions/${session.id}` })).statusCode).toBe(200);
  });
});

describe('hinge token rotate', () => {
  it('replaces the token of a running bridge and revokes display links, closing an open patient screen', async () => {
    const { app, dataDir } = await makeApp({ tokenRequired: true });
    const oldToken = app.bridge.policy.accessToken;
    const auth = (token: string) => ({ authorization: `Bearer ${token}`, [CLIENT_HEADER]: 'test' });
    const session = await liveSession(app, auth(oldToken));
    const link = (await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/display-link`, headers: auth(oldToken) })).json() as { token: string };
    const screen = await open(app, `?token=${link.token}`);
    let closedWith: number | null = null;
    screen.ws.on('close', (code) => (closedWith = code));
    expect((await app.inject({ url: `/api/sessions/${session.id}?token=${link.token}` })).statusCode).toBe(200);

    const out = capturedIO();
    expect(await main(['token', 'rotate', '--data-dir', dataDir], out.io)).toBe(0);
    const newToken = out.out().trim();
    expect(newToken).not.toBe(oldToken);
    expect(newToken.length).toBeGreaterThanOrEqual(16);
    expect(readFileSync(path.join(dataDir, 'access-token'), 'utf8').trim()).toBe(newToken);
    expect(out.err()).toMatch(/1 display link\(s\) revoked/);

    // The display link is gone at once (it lives in the database); the old token within a second.
    expect((await app.inject({ url: `/api/sessions/${session.id}?token=${link.token}` })).statusCode).toBe(401);
    await until(() => app.bridge.policy.accessToken === newToken, 3000);
    expect((await app.inject({ url: '/api/patients', headers: auth(oldToken) })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/patients', headers: auth(newToken) })).statusCode).toBe(200);
    await until(() => closedWith !== null, 5000);
    expect(closedWith).toBe(WS_CLOSE_ACCESS_REVOKED);
    expect(screen.messages.some((m) => m.type === 'error' && m.code === 'HINGE_ERR_ACCESS_REVOKED')).toBe(true);
  });

  it('names what it needs', async () => {
    const out = capturedIO();
    expect(await main(['token'], out.io)).toBe(2);
    expect(out.err()).toMatch(/rotate/);
  });
});
