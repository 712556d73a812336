// Host allow-list, Origin and CSRF checks and the security headers (request-guard.ts), owner-only
// data directory modes and `?token=` on the session list, through
// `inject` and a real WebSocket client. The browser version of the rebinding attack is
// test/e2e-rebinding.test.ts.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from './app';
import { standinAnalysis } from '../../test/standin-analysis';
import { allowedHostnames, CLIENT_HEADER, hostAllowed, hostnameOf } from './request-guard';
import { DISPLAY_LINK_GRACE_MS } from './session-hub';

const apps: FastifyInstance[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (apps.length > 0) await apps.pop()?.close();
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function makeApp(options: Partial<BuildAppOptions> = {}): Promise<FastifyInstance> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'hinge-guard-'));
  dirs.push(dataDir);
  const app = await buildApp({ analysis: standinAnalysis, ...options, dataDir });
  apps.push(app);
  return app;
}

/** Status of a WebSocket upgrade with these headers (101 when it opened). */
async function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', reject);
  });
}

describe('host names', () => {
  it('parses Host headers and knows loopback', () => {
    expect(hostnameOf('127.0.0.1:4173')).toBe('127.0.0.1');
    expect(hostnameOf('[::1]:4173')).toBe('::1');
    expect(hostnameOf('LocalHost.:80')).toBe('localhost');
    expect(hostnameOf('a@evil.example')).toBeNull();
    expect(hostnameOf('evil.example/x')).toBeNull();
    expect(hostnameOf(undefined)).toBeNull();
    // Found by test/fuzz-access.test.ts: the URL parser dropped or decoded these on the way to 'localhost'.
    for (const odd of ['@localhost', 'localhost:80 ', 'local%68ost', 'localhost/..', 'local\thost']) expect(hostnameOf(odd), JSON.stringify(odd)).toBeNull();
    const loopbackOnly = allowedHostnames('127.0.0.1', []);
    for (const ok of ['localhost:1', '127.0.0.1', '127.4.5.6:9', '[::1]:2']) expect(hostAllowed(ok, loopbackOnly), ok).toBe(true);
    for (const bad of ['evil.example:4173', 'localhost.evil.example', '192.168.1.9', '0.0.0.0', '', '127.0.0.1.nip.io']) expect(hostAllowed(bad, loopbackOnly), bad).toBe(false);
    const lan = allowedHostnames('192.168.1.20', ['Bridge.Clinic.Lan.']);
    expect(hostAllowed('192.168.1.20:4173', lan)).toBe(true);
    expect(hostAllowed('bridge.clinic.lan:4173', lan)).toBe(true);
    expect(hostAllowed('other.clinic.lan', lan)).toBe(false);
  });
});

describe('REST', () => {
  it('refuses a foreign Host on every route, even with a matching Origin (DNS rebinding)', async () => {
    const app = await makeApp();
    const rebound = { host: 'evil.example:4173', origin: 'http://evil.example:4173' };
    for (const [method, url] of [['GET', '/api/patients'], ['GET', '/'], ['GET', '/api/health'], ['POST', '/api/patients']] as const) {
      const res = await app.inject({ method, url, headers: rebound, ...(method === 'POST' ? { payload: { name: 'Mallory' } } : {}) });
      expect({ url, status: res.statusCode, code: res.json().code }).toEqual({ url, status: 403, code: 'HINGE_ERR_HOST_NOT_ALLOWED' });
    }
    expect((await app.inject({ url: '/api/patients', headers: { host: '127.0.0.1:4173' } })).statusCode).toBe(200);
    expect(app.bridge.store.listPatients()).toEqual([]);
  });

  it('answers configured host names', async () => {
    const app = await makeApp({ allowedHosts: ['bridge.clinic.lan'] });
    expect((await app.inject({ url: '/api/health', headers: { host: 'bridge.clinic.lan:4173' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/health', headers: { host: 'evil.clinic.lan:4173' } })).statusCode).toBe(403);
  });

  it('refuses state changes from another origin, text/plain bodies and body-less POSTs without the client header', async () => {
    const app = await makeApp({ allowedOrigins: ['http://localhost:5173'] });
    const host = { host: '127.0.0.1:4173' };
    const foreign = await app.inject({ method: 'POST', url: '/api/patients', headers: { ...host, origin: 'http://evil.example' }, payload: { name: 'M' } });
    expect([foreign.statusCode, foreign.json().code]).toEqual([403, 'HINGE_ERR_ORIGIN_NOT_ALLOWED']);
    const nullOrigin = await app.inject({ method: 'POST', url: '/api/patients', headers: { ...host, origin: 'null' }, payload: { name: 'M' } });
    expect(nullOrigin.statusCode).toBe(403);
    const plain = await app.inject({ method: 'POST', url: '/api/patients', headers: { ...host, 'content-type': 'text/plain' }, payload: '{"name":"M"}' });
    expect([plain.statusCode, plain.json().code]).toEqual([415, 'HINGE_ERR_NOT_JSON']);
    expect(app.bridge.store.listPatients()).toEqual([]);

    const own = await app.inject({ method: 'POST', url: '/api/patients', headers: { ...host, origin: 'http://127.0.0.1:4173' }, payload: { name: 'Ada' } });
    expect(own.statusCode).toBe(201);
    const dev = await app.inject({ method: 'POST', url: '/api/patients', headers: { ...host, origin: 'http://localhost:5173' }, payload: { name: 'Bo' } });
    expect(dev.statusCode).toBe(201);
    const session = (await app.inject({ method: 'POST', url: '/api/sessions', headers: host, payload: { patientId: own.json().id } })).json();
    const bare = await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/stop`, headers: host });
    expect([bare.statusCode, bare.json().code]).toEqual([415, 'HINGE_ERR_NOT_JSON']);
    expect((await app.bridge.hub.sessionState(session.id)).status).toBe('created');
    const scripted = await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/stop`, headers: { ...host, [CLIENT_HEADER]: '1' } });
    expect(scripted.statusCode).toBe(200);
    expect((await app.bridge.hub.sessionState(session.id)).status).toBe('stopped');
    // Reads from another origin are the browser's business (it hides the answer); no need to refuse.
    expect((await app.inject({ url: '/api/patients', headers: { ...host, origin: 'http://evil.example' } })).statusCode).toBe(200);
  });

  it('sends the security headers on pages, API answers and errors', async () => {
    const app = await makeApp();
    for (const url of ['/', '/api/health', '/api/nope']) {
      const res = await app.inject({ url, headers: { host: 'localhost:4173' } });
      expect(res.headers['content-security-policy'], url).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['content-security-policy'], url).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
    }
    const refused = await app.inject({ url: '/', headers: { host: 'evil.example' } });
    expect(refused.headers['x-frame-options']).toBe('DENY');
  });
});

describe('WebSocket upgrade', () => {
  it('refuses a foreign Host (even with matching Origin) and a foreign Origin; accepts its own', async () => {
    const app = await makeApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const url = `ws://127.0.0.1:${port}/ws`;
    expect(await upgradeStatus(url, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` })).toBe(403);
    expect(await upgradeStatus(url, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(url, {})).toBe(101);
  });
});

describe('data directory and tokens', () => {
  it('makes an existing 755 data directory and its files owner-only; recordings are created owner-only', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-modes-'));
    dirs.push(dataDir);
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, 'access-token'), 'a-token-from-before-0123456789\n', { mode: 0o644 });
    const app = await makeApp({ dataDir });
    const mode = (f: string) => statSync(f).mode & 0o777;
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'recordings'))).toBe(0o700);
    expect(mode(path.join(dataDir, 'access-token'))).toBe(0o600);
    expect(mode(app.bridge.layout.database)).toBe(0o600);
    const patient = app.bridge.hub.createPatient({ name: 'Ada' });
    await app.bridge.hub.createSession({ patientId: patient.id, source: { kind: 'simulator', seed: 1 } });
    const [recording] = readdirSync(path.join(dataDir, 'recordings'));
    expect(mode(path.join(dataDir, 'recordings', recording!))).toBe(0o600);
  });

  it('accepts ?token= on GET /api/sessions as the docs offer', async () => {
    const app = await makeApp({ tokenRequired: true });
    const token = app.bridge.policy.accessToken;
    expect((await app.inject({ url: `/api/sessions?token=${token}` })).statusCode).toBe(200);
    expect((await app.inject({ url: `/api/sessions?token=${token}&status=live` })).json()).toEqual([]);
    expect((await app.inject({ url: '/api/sessions?token=wrong' })).statusCode).toBe(401);
  });

  it('a display link works while its session runs and a while after it ended, then expires; an unknown one is refused even on loopback', async () => {
    const app = await makeApp();
    const patient = app.bridge.hub.createPatient({ name: 'Ada' });
    const session = await app.bridge.hub.createSession({ patientId: patient.id });
    const link = (await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/display-link`, headers: { [CLIENT_HEADER]: '1' } })).json();
    const asDisplay = { authorization: `Bearer ${link.token}` };
    expect((await app.inject({ url: `/api/sessions/${session.id}`, headers: asDisplay })).statusCode).toBe(200);
    await session.stop();
    expect((await app.inject({ url: `/api/sessions/${session.id}`, headers: asDisplay })).statusCode).toBe(200);
    const later = Date.now() + DISPLAY_LINK_GRACE_MS + 1000;
    expect(app.bridge.hub.displayTokenSession(link.token, later)).toBeNull();
    expect(app.bridge.hub.displayTokenSession(link.token)).toBe(session.id);
    const forged = await app.inject({ url: `/api/sessions/${session.id}`, headers: { authorization: 'Bearer d_not-a-link' } });
    expect([forged.statusCode, forged.json().code]).toEqual([401, 'HINGE_ERR_UNAUTHORIZED']);
  });
});

describe('replay library', () => {
  it('`--replay FILE` (replayFiles) offers that file alone, not the rest of its folder (issue #17)', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'hinge-replay-folder-'));
    dirs.push(folder);
    const header = JSON.stringify({ format: 'hinge-recording', version: 1, startedAt: '2026-01-05T09:00:00.000Z', sensors: [{ id: 'sacrum', placement: 'sacrum' }, { id: 'thoracic', placement: 'thoracic' }] });
    for (const name of ['offered.jsonl', 'other-patient.jsonl']) writeFileSync(path.join(folder, name), header + '\n');
    const app = await makeApp({ replayFiles: [path.join(folder, 'offered.jsonl')] });
    expect((await app.inject({ url: '/api/recordings' })).json().map((r: { name: string }) => r.name)).toEqual(['offered.jsonl']);
    const patient = app.bridge.hub.createPatient({ name: 'Ada' });
    const other = await app.inject({ method: 'POST', url: '/api/sessions', payload: { patientId: patient.id, source: { kind: 'replay', recording: 'other-patient.jsonl' } } });
    expect([other.statusCode, other.json().code]).toEqual([422, 'HINGE_ERR_SOURCE']);
    expect(other.body).not.toContain(folder);
  });
});
