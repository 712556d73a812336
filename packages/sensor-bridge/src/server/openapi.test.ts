// The OpenAPI document against the registered routes: every documented operation exists, every
// route has its response schemas, and what the routes actually answer in a session's lifecycle
// matches the documented schema of its status code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Value } from 'typebox/value';
import { CLIENT_MESSAGE_SCHEMAS, ERROR_CODES, SERVER_MESSAGE_SCHEMAS } from '@hinge/protocol';
import { buildApp } from './app';
import { simulateSession } from '@hinge/simulator';
import { writeRecordingFile } from '../recording/writer';
import { standinAnalysis } from '../../test/standin-analysis';
import { CLIENT_HEADER } from './request-guard';

type Operation = { responses: Record<string, { content?: Record<string, { schema: object }> }> };
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> }; info: { description: string } };

let dir: string;
let app: FastifyInstance;
let doc: OpenApi;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hinge-openapi-'));
  const { header, lines } = simulateSession({ seed: 3, script: [{ kind: 'stand', durationS: 3 }, { kind: 'hinge' }, { kind: 'stand', durationS: 3 }] });
  await writeRecordingFile(path.join(dir, 'short.jsonl'), header, lines);
  app = await buildApp({ dataDir: path.join(dir, 'data'), replayDirs: [dir], analysis: standinAnalysis });
  const reply = await app.inject({ url: '/api/openapi.json' });
  expect(reply.statusCode).toBe(200);
  doc = reply.json();
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([route, ops]) => Object.entries(ops).map(([method, op]) => ({ route, method: method.toUpperCase(), op })));

/** Checks a JSON reply against the documented schema of its status code (or of its class, 4XX / 5XX). */
function expectDocumented(method: string, route: string, reply: { statusCode: number; json(): unknown }) {
  const op = doc.paths[route]?.[method.toLowerCase()];
  expect(op, `${method} ${route} is documented`).toBeDefined();
  const response = op!.responses[String(reply.statusCode)] ?? op!.responses[`${String(reply.statusCode)[0]}XX`];
  expect(response, `${method} ${route} documents status ${reply.statusCode}`).toBeDefined();
  const schema = response!.content!['application/json']!.schema;
  const body = reply.json();
  if (!Value.Check(schema, body)) expect.fail(`${method} ${route} ${reply.statusCode}: ${JSON.stringify([...Value.Errors(schema, body)].slice(0, 3))}`);
}

describe('OpenAPI document (GET /api/openapi.json)', () => {
  it('documents exactly the registered API routes, each with success and error response schemas', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const ops = operations().filter((o) => o.route.startsWith('/api/'));
    expect(ops.length).toBeGreaterThanOrEqual(25);
    for (const { route, method, op } of ops) {
      const url = route.replace(/\{(\w+)\}/g, ':$1');
      expect(app.hasRoute({ method, url }), `${method} ${url} is registered`).toBe(true);
      const success = op.responses['200'] ?? op.responses['201'];
      expect(success?.content, `${method} ${route} has a success schema`).toBeDefined();
      for (const status of ['4XX', '5XX']) expect(op.responses[status]?.content?.['application/json']?.schema, `${method} ${route} ${status}`).toBeDefined();
    }
    // Outside /api, only the dashboard is served (static files, hidden), and its fallback page.
    expect(operations().filter((o) => !o.route.startsWith('/api/')).map((o) => o.route)).toEqual(['/']);
    // Nothing registered under /api escapes the document: probe routes documented nowhere.
    expect(app.hasRoute({ method: 'GET', url: '/api/does-not-exist' })).toBe(false);
  });

  it('documents the WebSocket messages from the protocol schemas and lists every error code', () => {
    // The same schemas (OpenAPI 3.0 spells `const` as a one-value `enum`): same fields, same rules.
    const shape = (schema: object) => ({ required: (schema as { required?: string[] }).required, fields: Object.keys((schema as { properties: object }).properties) });
    for (const [type, schema] of Object.entries(CLIENT_MESSAGE_SCHEMAS)) expect(shape(doc.components.schemas[`ws.client.${type}`]!)).toEqual(shape(schema));
    for (const [type, schema] of Object.entries(SERVER_MESSAGE_SCHEMAS)) expect(shape(doc.components.schemas[`ws.server.${type}`]!)).toEqual(shape(schema));
    const seek = doc.components.schemas['ws.client.seek']!;
    expect(Value.Check(seek, { type: 'seek', sessionId: 's1', t: 2.5 })).toBe(true);
    expect(Value.Check(seek, { type: 'seek', sessionId: 's1', t: -1 })).toBe(false);
    expect(Value.Check(seek, { type: 'ping', sessionId: 's1', t: 1 })).toBe(false);
    for (const code of Object.keys(ERROR_CODES)) expect(doc.info.description).toContain(code);
    expect(Object.keys(ERROR_CODES)).toEqual(expect.arrayContaining(['HINGE_ERR_BLE_POWERED_OFF', 'HINGE_ERR_BLE_SENSOR_NOT_FOUND', 'HINGE_ERR_BLE_GATT']));
  });

  it('what the routes answer through a session lifecycle matches the documented schemas', async () => {
    const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', route: string, url: string, payload?: object, status = method === 'POST' && !route.includes('{id}') ? 201 : 200) => {
      const reply = await app.inject({ method, url, headers: { [CLIENT_HEADER]: 'test' }, ...(payload ? { payload } : {}) });
      expect(reply.statusCode, `${method} ${url}: ${reply.body.slice(0, 200)}`).toBe(status);
      expectDocumented(method, route, reply);
      return reply;
    };
    await call('GET', '/api/health', '/api/health');
    const patient = (await call('POST', '/api/patients', '/api/patients', { name: 'Ada' })).json() as { id: string };
    await call('GET', '/api/patients', '/api/patients');
    await call('GET', '/api/patients/{id}', `/api/patients/${patient.id}`);
    await call('GET', '/api/patients/{id}', '/api/patients/nobody', undefined, 404);
    const session = (await call('POST', '/api/sessions', '/api/sessions', { patientId: patient.id })).json() as { id: string };
    const s = `/api/sessions/${session.id}`;
    await call('PUT', '/api/sessions/{id}/source', `${s}/source`, { kind: 'replay', recording: 'short.jsonl', speed: 10, loop: true });
    await call('POST', '/api/sessions/{id}/calibrate', `${s}/calibrate`);
    await call('POST', '/api/sessions/{id}/sets/start', `${s}/sets/start`);
    await call('POST', '/api/sessions/{id}/sets/start', `${s}/sets/start`, undefined, 409);
    await call('PATCH', '/api/sessions/{id}/settings', `${s}/settings`, { lumbarLimitDeg: 25 });
    const end = Date.now() + 10_000;
    while (((await app.inject({ url: s })).json() as { repCount: number }).repCount < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await call('POST', '/api/sessions/{id}/sets/stop', `${s}/sets/stop`);
    await call('POST', '/api/sessions/{id}/stop', `${s}/stop`);
    const detail = (await call('GET', '/api/sessions/{id}', s)).json() as { reps: unknown[]; summary: { repCount: number } };
    expect(detail.reps.length).toBeGreaterThanOrEqual(2);
    expect(detail.summary.repCount).toBe(detail.reps.length);
    await call('GET', '/api/sessions/{id}/sets', `${s}/sets`);
    await call('GET', '/api/sessions/{id}/reps', `${s}/reps`);
    await call('GET', '/api/sessions', '/api/sessions');
    await call('GET', '/api/patients/{id}/sessions', `/api/patients/${patient.id}/sessions`);
    await call('POST', '/api/sessions/{id}/display-link', `${s}/display-link`);
    await call('GET', '/api/recordings', '/api/recordings');
    await call('GET', '/api/sessions/{id}/analysis', `${s}/analysis`);
    const angles = (await call('GET', '/api/sessions/{id}/angles', `${s}/angles`)).json() as { t: number[]; pelvisDeg: number[] };
    expect(angles.t.length).toBeGreaterThan(0);
    expect(angles.pelvisDeg.length).toBe(angles.t.length);
    await call('GET', '/api/sensors/placements', '/api/sensors/placements');
  });
});
