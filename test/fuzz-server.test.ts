// Property-based fuzzing of the bridge's inbound edges through buildApp: WebSocket messages (any text,
// JSON of any shape, near-valid protocol messages) over app.injectWS, and REST requests (any method,
// route, id, query and body) over app.inject. Every message must get exactly one reply (ack, pong or
// a coded error), never an internal error; every request must get a 4xx with a HINGE_ERR_ code or a
// success, never a 500; the server must keep serving, and repeated bad input must not grow its memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CLIENT_MESSAGE_SCHEMAS, type ServerMessage } from '@hinge/protocol';
import { buildApp } from '../packages/sensor-bridge/src/server/app';
import { fuzzParams, fuzzTimeoutMs } from './support/fuzz';

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
let app: Awaited<ReturnType<typeof buildApp>>;
let dataDir: string;
let liveId: string;
let idleId: string;
let patientId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-fuzz-server-'));
  app = await buildApp({ dataDir, replayDirs: [path.join(REPO_ROOT, 'fixtures')], maxLiveSessions: 4 });
  await app.ready();
  patientId = app.bridge.hub.createPatient({ name: 'Fuzz' }).id;
  liveId = (await app.bridge.hub.createSession({ patientId, source: { kind: 'replay', recording: 'clean.jsonl', loop: true } })).id;
  idleId = (await app.bridge.hub.createSession({ patientId })).id;
});
afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Ids worth trying: real ones, near-misses and junk. */
const anyId = () => fc.oneof(fc.constantFrom(liveId, idleId, patientId, 's_none', '', '..', '%00', 'x'.repeat(70)), fc.string({ maxLength: 20 }));

// ---- WebSocket ------------------------------------------------------------------------------------

interface Client {
  send(text: string): void;
  /** Messages received since the last call. */
  drain(): ServerMessage[];
  close(): void;
}

async function connect(): Promise<Client> {
  const ws = await app.injectWS('/ws', { headers: { host: 'localhost' } }); // injectWS sends no Host; the bridge requires a known one
  let inbox: ServerMessage[] = [];
  ws.on('message', (data: Buffer) => inbox.push(JSON.parse(data.toString()) as ServerMessage));
  return {
    send: (text) => ws.send(text),
    drain: () => {
      const out = inbox;
      inbox = [];
      return out;
    },
    close: () => ws.terminate(),
  };
}

let pingCounter = 0;
/** Sends `text`, then a ping; returns the replies that came before that ping's pong (in order, so they answer `text`). */
async function exchange(client: Client, text: string): Promise<ServerMessage[]> {
  const marker = `fuzz-${pingCounter++}`;
  client.send(text);
  client.send(JSON.stringify({ type: 'ping', id: marker }));
  const seen: ServerMessage[] = [];
  const deadline = Date.now() + 5000;
  for (;;) {
    const batch = client.drain();
    const at = batch.findIndex((m) => m.type === 'pong' && m.id === marker);
    if (at >= 0) return [...seen, ...batch.slice(0, at)];
    seen.push(...batch);
    if (Date.now() > deadline) throw new Error(`no pong within 5 s after ${JSON.stringify(text.slice(0, 200))}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const REPLY_TYPES = new Set(['ack', 'error', 'pong']);
const types = Object.keys(CLIENT_MESSAGE_SCHEMAS);

/** Protocol messages of every type with the right fields, values valid or not (sessions real or not). */
const wellFormed = fc
  .tuple(
    fc.constantFrom(...types),
    fc.option(fc.string({ maxLength: 70 }), { nil: undefined }),
    anyId(),
    fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double()),
    fc.oneof(fc.double({ min: 0.1, max: 100, noNaN: true }), fc.constantFrom(0, -1, 101)),
    fc.record({ lumbarLimitDeg: fc.double({ min: -10, max: 100, noNaN: true }), tempoMinS: fc.double({ min: 0, max: 12, noNaN: true }), targetReps: fc.integer({ min: 0, max: 120 }), painLevel: fc.oneof(fc.integer({ min: -1, max: 11 }), fc.constant(null)), load: fc.constantFrom('none', 'dowel', 'band', 'weights', 'anvil') }, { requiredKeys: [] }),
  )
  .map(([type, id, sessionId, t, speed, settings]) => {
    const m: Record<string, unknown> = { type, ...(id !== undefined ? { id } : {}) };
    if (type !== 'ping') m.sessionId = sessionId;
    if (type === 'seek') m.t = t;
    if (type === 'set-speed') m.speed = speed;
    if (type === 'update-settings') m.settings = settings;
    return JSON.stringify(m);
  });
/** Near-valid: a known type with fields of the right names and any values, sometimes an extra field. */
const nearValid = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom(...types), fc.string({ maxLength: 12 })),
      id: fc.oneof(fc.string({ maxLength: 70 }), fc.anything()),
      sessionId: fc.oneof(anyId(), fc.anything()),
      t: fc.oneof(fc.double(), fc.anything()),
      speed: fc.oneof(fc.double(), fc.constantFrom(0, -1, 100, 101, 1e308)),
      settings: fc.anything(),
      extra: fc.anything(),
    },
    { requiredKeys: ['type'] },
  )
  .map((m) => JSON.stringify(m) ?? 'null');
const wsText = fc.oneof(
  { arbitrary: wellFormed, weight: 4 },
  { arbitrary: nearValid, weight: 2 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 100 }), weight: 1 },
);

describe('WebSocket inbound messages', () => {
  it(
    'each message gets exactly one ack, pong or coded error, never an internal error',
    async () => {
      const client = await connect();
      await fc.assert(
        fc.asyncProperty(wsText, async (text) => {
          const replies = (await exchange(client, text)).filter((m) => REPLY_TYPES.has(m.type));
          expect(replies).toHaveLength(1);
          const reply = replies[0]!;
          if (reply.type === 'error') {
            expect(reply.code).toMatch(/^HINGE_ERR_/);
            expect(reply.code).not.toBe('HINGE_ERR_INTERNAL');
          }
        }),
        fuzzParams(0.5),
      );
      client.close();
    },
    fuzzTimeoutMs(60_000),
  );

  it(
    'a flood of bad messages does not grow the heap, and the server still answers',
    async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const client = await connect();
      const samples = fc.sample(wsText, { numRuns: 400, seed: 7 });
      const round = async () => {
        for (const text of samples) client.send(text);
        await exchange(client, '{}');
        gc();
        return process.memoryUsage().heapUsed;
      };
      await round(); // warm-up: JIT, lazily built schemas
      const before = await round();
      for (let i = 0; i < 8; i++) await round();
      const after = await round();
      // 4000 messages later: any per-message leak of even 2 KB would show as 8 MB.
      expect((after - before) / 2 ** 20).toBeLessThan(8);
      expect(app.bridge.hub.liveCount).toBeLessThanOrEqual(4);
      client.close();
    },
    fuzzTimeoutMs(60_000),
  );
});

// ---- REST ---------------------------------------------------------------------------------------

/** The REST API's routes with their methods (docs/websocket-protocol.md, "REST"), and one that does not exist. */
const routes: [Method, string][] = [
  ['GET', '/api/health'],
  ['GET', '/api/patients'],
  ['POST', '/api/patients'],
  ['GET', '/api/patients/:id'],
  ['GET', '/api/patients/:id/sessions'],
  ['GET', '/api/sessions'],
  ['POST', '/api/sessions'],
  ['GET', '/api/sessions/:id'],
  ['PUT', '/api/sessions/:id/source'],
  ['POST', '/api/sessions/:id/calibrate'],
  ['POST', '/api/sessions/:id/sets/start'],
  ['POST', '/api/sessions/:id/sets/stop'],
  ['POST', '/api/sessions/:id/stop'],
  ['PATCH', '/api/sessions/:id/settings'],
  ['GET', '/api/sessions/:id/sets'],
  ['GET', '/api/sessions/:id/reps'],
  ['POST', '/api/sessions/:id/display-link'],
  ['GET', '/api/sessions/:id/analysis'],
  ['GET', '/api/sessions/:id/angles'],
  ['GET', '/api/openapi.json'],
  ['GET', '/api/sessions/:id/export/recording'],
  ['GET', '/api/sessions/:id/export/angles.csv'],
  ['GET', '/api/sessions/:id/export/reps.csv'],
  ['GET', '/api/sessions/:id/export/session.mcap'],
  ['GET', '/api/recordings'],
  ['GET', '/api/nope'],
];
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** Mostly the route's own method, sometimes any. */
const request = fc.tuple(
  fc.constantFrom(...routes),
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.constantFrom<Method>('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), weight: 1 }),
).map(([[method, route], other]) => [other ?? method, route] as const);

const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.record({ name: fc.oneof(fc.string(), fc.anything()), patientId: fc.oneof(anyId(), fc.anything()), kind: fc.constantFrom('replay', 'simulator', 'ble', 'x'), recording: fc.constantFrom('clean.jsonl', '../package.json', 'none.jsonl', ''), lumbarLimitDeg: fc.double(), settings: fc.anything() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 100 }),
);

describe('REST inputs', () => {
  it(
    'any method, route, id, query and body: success or a coded 4xx, never a 500',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          request,
          anyId(),
          fc.dictionary(fc.constantFrom('patientId', 'status', 'limit', 'token', 'x'), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
          body,
          fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
          async ([method, route], id, query, payload, contentType) => {
            // Never stop the one live session: the other cases need it running.
            if (route.endsWith('/stop') && id === liveId) return;
            const url = route.replace(':id', encodeURIComponent(id));
            const response = await app.inject({
              method,
              url,
              query,
              ...(payload !== undefined ? { payload, headers: contentType ? { 'content-type': contentType } : {} } : {}),
            });
            expect(response.statusCode, `${method} ${url} -> ${response.body.slice(0, 200)}`).toBeLessThan(500);
            if (response.statusCode >= 400) {
              const error = response.json() as { code?: string; error?: string };
              // Every client error has a project code (a route that does not exist: HINGE_ERR_NOT_FOUND).
              expect(error.code).toMatch(/^HINGE_ERR_(?!INTERNAL)/);
            }
          },
        ),
        fuzzParams(0.5),
      );
      const health = await app.inject({ url: '/api/health' });
      expect(health.json()).toMatchObject({ ok: true });
    },
    fuzzTimeoutMs(90_000),
  );

  // Found by this suite and fixed: fastify's 415 used to come out of the error handler as HINGE_ERR_INTERNAL.
  it('an unsupported content type is a client error with a client-error code', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/patients', payload: 'name=Ada', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.statusCode).toBe(415);
    expect(response.json().code).not.toBe('HINGE_ERR_INTERNAL');
  });
});

// ---- the limits of issue #17: control-message rate, concurrent exports ------------------------------

describe('limits under fuzzing', () => {
  it(
    'bursts of protocol messages (controls over the rate limit included): one reply each, never an internal error',
    async () => {
      const client = await connect();
      await fc.assert(
        fc.asyncProperty(fc.array(wellFormed, { minLength: 1, maxLength: 60 }), async (texts) => {
          for (const text of texts.slice(0, -1)) client.send(text);
          const replies = (await exchange(client, texts[texts.length - 1]!)).filter((m) => REPLY_TYPES.has(m.type));
          expect(replies).toHaveLength(texts.length);
          for (const r of replies) if (r.type === 'error') expect(r.code).toMatch(/^HINGE_ERR_(?!INTERNAL)/);
        }),
        fuzzParams(0.05),
      );
      client.close();
    },
    fuzzTimeoutMs(60_000),
  );

  it(
    'any set of exports at once, of a live, an idle or no session: 200, or a coded 4xx or 503, never a 500',
    async () => {
      const routes = ['analysis', 'angles', 'export/angles.csv', 'export/angles.csv?decimal=comma', 'export/session.mcap', 'export/report.pdf', 'export/reps.csv', 'export/recording'];
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...routes), fc.constantFrom(liveId, idleId, 's_none')), { minLength: 1, maxLength: 6 }), async (requests) => {
          const answers = await Promise.all(requests.map(([route, id]) => app.inject({ url: `/api/sessions/${id}/${route}`, headers: { host: 'localhost' } })));
          for (const a of answers) {
            expect(a.statusCode === 200 || (a.statusCode >= 400 && a.statusCode < 500) || a.statusCode === 503).toBe(true);
            if (a.statusCode !== 200) expect(a.json().code).toMatch(/^HINGE_ERR_/);
            if (a.statusCode === 503) expect(a.headers['retry-after']).toBeDefined();
          }
          expect(app.bridge.exportSlots.active).toBe(0);
        }),
        fuzzParams(0.02),
      );
    },
    fuzzTimeoutMs(120_000),
  );
});
