// Property-based fuzzing of who may talk to the bridge (issue #17): the Host allow-list and the Origin
// check against every spelling of a host name (case, trailing dot, port, IPv6 literals, userinfo,
// stray characters), and the lifetimes of access tokens and display links against random sequences
// of create / link / end / rotate / wait, checked against a model of what the docs promise
// (docs/server.md "Clinic network"): a display link works while its session runs and
// DISPLAY_LINK_GRACE_MS after it ended, never after `hinge token rotate`; a rotated token stops
// working within TOKEN_RECHECK_MS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { buildApp } from '../packages/sensor-bridge/src/server/app';
import { allowedHostnames, CLIENT_HEADER, hostAllowed } from '../packages/sensor-bridge/src/server/request-guard';
import { DISPLAY_LINK_GRACE_MS } from '../packages/sensor-bridge/src/server/session-hub';
import { TOKEN_RECHECK_MS } from '../packages/sensor-bridge/src/server/auth';
import { main } from '../packages/sensor-bridge/src/cli/main';
import { capturedIO } from '../packages/sensor-bridge/test/captured-io';
import { standinAnalysis } from '../packages/sensor-bridge/test/standin-analysis';
import { fuzzParams, fuzzTimeoutMs } from './support/fuzz';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'hinge-fuzz-access-'));
  dirs.push(d);
  return d;
};

// ---- Host and Origin ------------------------------------------------------------------------------

/** Names a loopback bridge answers to, in the forms URLs give them (IPv6 without brackets). */
const loopbackName = fc.oneof(
  fc.constant('localhost'),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`),
  fc.constantFrom('::1', '0:0:0:0:0:0:0:1', '0::1', '::0:1', '0000:0000:0000:0000:0000:0000:0000:0001'),
);
const CONFIGURED = ['bridge.clinic.lan', 'Physio-3.example'];

/** A `Host` header for `name` as a client may spell it: any case, a trailing dot, a port; IPv6 in brackets. */
const spelled = (name: fc.Arbitrary<string>) =>
  fc
    .tuple(name, fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), fc.boolean(), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
    .map(([n, upper, dot, port]) => {
      const cased = [...n].map((ch, i) => (upper[i % 64] ? ch.toUpperCase() : ch.toLowerCase())).join('');
      const host = n.includes(':') ? `[${cased}]` : `${cased}${dot ? '.' : ''}`;
      return port === undefined ? host : `${host}:${port}`;
    });

/** DNS names that are not loopback and not configured: what a rebinding page's browser sends. */
const foreignName = fc
  .oneof(
    fc.domain(),
    fc.domain().map((d) => `localhost.${d}`),
    fc.domain().map((d) => `127.0.0.1.${d}`),
    fc.domain().map((d) => `bridge.clinic.lan.${d}`),
    fc.domain().map((d) => `${d.split('.')[0]}-localhost`),
    fc.constantFrom('evil.example', 'clinic.lan', 'physio-3.example.com', '0.0.0.0', '192.168.1.9', '::', '::2', '::ffff:7f00:1', 'fe80::1'),
  )
  .filter((d) => ![...CONFIGURED, 'localhost'].includes(d.toLowerCase().replace(/\.$/, '')));

/** Characters a Host header must not carry around a name (userinfo, paths, queries, escapes, blanks). */
const stray = fc.constantFrom('@', '/', '?', '#', '%', ' ', '\\', ',', ';', '*', '!', '$', '&', "'", '(', ')', '+', '=', '"', '<', '>', '|');

describe('Host allow-list', () => {
  const loopbackOnly = allowedHostnames('127.0.0.1', []);
  const lan = allowedHostnames('192.168.1.20', CONFIGURED);

  it('answers loopback and the configured names in any spelling (case, trailing dot, port, IPv6 forms)', () => {
    fc.assert(
      fc.property(spelled(loopbackName), spelled(fc.constantFrom(...CONFIGURED, '192.168.1.20')), (loop, configured) => {
        expect(hostAllowed(loop, loopbackOnly), loop).toBe(true);
        expect(hostAllowed(loop, lan), loop).toBe(true);
        expect(hostAllowed(configured, lan), configured).toBe(true);
      }),
      fuzzParams(),
    );
  });

  it('refuses every other name in any spelling, and the configured ones on a bridge not configured for them', () => {
    fc.assert(
      fc.property(spelled(foreignName), spelled(fc.constantFrom(...CONFIGURED)), (foreign, configured) => {
        expect(hostAllowed(foreign, loopbackOnly), foreign).toBe(false);
        expect(hostAllowed(foreign, lan), foreign).toBe(false);
        expect(hostAllowed(configured, loopbackOnly), configured).toBe(false);
      }),
      fuzzParams(),
    );
  });

  it('refuses an allowed name with userinfo, a path, a query or any stray character in it', () => {
    fc.assert(
      fc.property(spelled(fc.oneof(loopbackName, fc.constantFrom(...CONFIGURED))), stray, fc.nat(), fc.string({ maxLength: 8 }), (host, ch, at, extra) => {
        const i = at % (host.length + 1);
        for (const bad of [`${host.slice(0, i)}${ch}${host.slice(i)}`, `${extra}${ch}${host}`, `${host}${ch}${extra}`, `evil.example@${host}`, `${host}@evil.example`]) {
          expect(hostAllowed(bad, lan), JSON.stringify(bad)).toBe(false);
        }
      }),
      fuzzParams(),
    );
  });

  it('never throws on any header value, and what it lets in is an allowed name with at most a port', () => {
    const grammar = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{0,5})?$/;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), spelled(loopbackName).chain((h) => fc.tuple(fc.constant(h), fc.string({ maxLength: 4 })).map(([a, b]) => a + b))), (value) => {
        if (hostAllowed(value, lan)) expect(value, JSON.stringify(value)).toMatch(grammar);
      }),
      fuzzParams(),
    );
  });
});

describe('Origin on state changes and WebSocket upgrades', () => {
  /** Origins of foreign pages: any scheme, name and port but the bridge's own. */
  const foreignOrigin = fc.oneof(
    fc.tuple(fc.constantFrom('http', 'https'), foreignName, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([s, n, p]) => `${s}://${n.includes(':') ? `[${n}]` : n}${p ? `:${p}` : ''}`),
    fc.constantFrom('null', '', 'file://', 'http://', 'data:', 'http://localhost:1@evil.example'),
    fc.string({ maxLength: 30 }),
  );

  it(
    'a foreign origin never creates anything nor opens a socket, whatever the Host spelling; the own origin does',
    async () => {
      const app = await buildApp({ dataDir: tempDir(), analysis: standinAnalysis });
      try {
        await fc.assert(
          fc.asyncProperty(spelled(loopbackName), foreignOrigin, async (host, origin) => {
            const before = app.bridge.store.listPatients().length;
            const post = await app.inject({ method: 'POST', url: '/api/patients', headers: { host, origin }, payload: { name: 'M' } });
            const upgrade = await app.inject({ url: '/api/health', headers: { host, origin, upgrade: 'websocket', connection: 'upgrade' } });
            if (origin === `http://${host}`) return; // a string arbitrary drew the bridge's own origin
            expect([post.statusCode, post.json().code], `${host} ${origin}`).toEqual([403, 'HINGE_ERR_ORIGIN_NOT_ALLOWED']);
            expect([upgrade.statusCode, upgrade.json().code], `${host} ${origin}`).toEqual([403, 'HINGE_ERR_ORIGIN_NOT_ALLOWED']);
            expect(app.bridge.store.listPatients()).toHaveLength(before);
          }),
          fuzzParams(0.2),
        );
        await fc.assert(
          fc.asyncProperty(spelled(loopbackName), async (host) => {
            // As a script sends it, and as a browser does (Host and Origin both from the parsed URL).
            const own = await app.inject({ method: 'POST', url: '/api/patients', headers: { host, origin: `http://${host}` }, payload: { name: 'Ada' } });
            expect(own.statusCode, host).toBe(201);
            const url = new URL(`http://${host}/`);
            const browser = await app.inject({ method: 'POST', url: '/api/patients', headers: { host: url.host, origin: url.origin }, payload: { name: 'Ada' } });
            expect(browser.statusCode, url.href).toBe(201);
          }),
          fuzzParams(0.05),
        );
      } finally {
        await app.close();
      }
    },
    fuzzTimeoutMs(30_000),
  );
});

// ---- tokens and display links ---------------------------------------------------------------------

type Op =
  | { kind: 'create' }
  | { kind: 'link'; session: number }
  | { kind: 'end'; session: number }
  | { kind: 'rotate' }
  | { kind: 'wait'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant<Op>({ kind: 'create' }), weight: 2 },
  { arbitrary: fc.nat().map<Op>((session) => ({ kind: 'link', session })), weight: 3 },
  { arbitrary: fc.nat().map<Op>((session) => ({ kind: 'end', session })), weight: 2 },
  { arbitrary: fc.constant<Op>({ kind: 'rotate' }), weight: 1 },
  {
    arbitrary: fc
      .oneof(fc.constantFrom(DISPLAY_LINK_GRACE_MS, DISPLAY_LINK_GRACE_MS + 1, DISPLAY_LINK_GRACE_MS - 1, 1, TOKEN_RECHECK_MS), fc.integer({ min: 0, max: 2 * DISPLAY_LINK_GRACE_MS }))
      .map<Op>((ms) => ({ kind: 'wait', ms })),
    weight: 3,
  },
);

describe('access tokens and display links over random lifetimes', () => {
  it(
    'every link and token works exactly as long as the model says, for any sequence of create, link, end, rotate and wait',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
          // Only Date is faked: link lifetimes and the token re-check follow it; timers and I/O run for real.
          vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-03-02T09:00:00Z') });
          const dataDir = tempDir();
          const app = await buildApp({ dataDir, analysis: standinAnalysis, tokenRequired: true });
          try {
            let token = app.bridge.policy.accessToken;
            const oldTokens: string[] = [];
            const patientId = app.bridge.hub.createPatient({ name: 'Ada' }).id;
            const sessions: { id: string; stop: () => Promise<void>; endedMs: number | null }[] = [];
            const links: { token: string; session: number; revoked: boolean }[] = [];
            const as = (t: string) => ({ authorization: `Bearer ${t}` });

            for (const o of ops) {
              if (o.kind === 'create') {
                const s = await app.bridge.hub.createSession({ patientId });
                sessions.push({ id: s.id, stop: () => s.stop(), endedMs: null });
              } else if (o.kind === 'link' && sessions.length > 0) {
                const i = o.session % sessions.length;
                const res = await app.inject({ method: 'POST', url: `/api/sessions/${sessions[i]!.id}/display-link`, headers: { ...as(token), [CLIENT_HEADER]: 'fuzz' } });
                expect(res.statusCode).toBe(200);
                links.push({ token: (res.json() as { token: string }).token, session: i, revoked: false });
              } else if (o.kind === 'end' && sessions.length > 0) {
                const s = sessions[o.session % sessions.length]!;
                if (s.endedMs === null) {
                  await s.stop();
                  s.endedMs = Date.now();
                }
              } else if (o.kind === 'rotate') {
                const out = capturedIO();
                expect(await main(['token', 'rotate', '--data-dir', dataDir], out.io)).toBe(0);
                oldTokens.push(token);
                token = out.out().trim();
                for (const l of links) l.revoked = true;
                vi.setSystemTime(Date.now() + TOKEN_RECHECK_MS + 1); // "within a second"
              } else if (o.kind === 'wait') {
                vi.setSystemTime(Date.now() + o.ms);
              }

              // The model against the bridge, after every step.
              const now = Date.now();
              expect((await app.inject({ url: '/api/patients', headers: as(token) })).statusCode).toBe(200);
              for (const old of oldTokens) expect((await app.inject({ url: '/api/patients', headers: as(old) })).statusCode).toBe(401);
              for (const l of links) {
                const s = sessions[l.session]!;
                const alive = !l.revoked && (s.endedMs === null || now - s.endedMs <= DISPLAY_LINK_GRACE_MS);
                const read = await app.inject({ url: `/api/sessions/${s.id}`, headers: as(l.token) });
                expect(read.statusCode, `link to session ${l.session}: revoked ${l.revoked}, ended ${s.endedMs === null ? '-' : now - s.endedMs} ms ago`).toBe(alive ? 200 : 401);
                // Read-only, and one session only, while it works.
                const control = await app.inject({ method: 'POST', url: `/api/sessions/${s.id}/calibrate`, headers: { ...as(l.token), [CLIENT_HEADER]: 'fuzz' } });
                expect(control.statusCode).toBe(alive ? 403 : 401);
                const other = sessions.find((x) => x.id !== s.id);
                if (other) expect((await app.inject({ url: `/api/sessions/${other.id}`, headers: as(l.token) })).statusCode).toBe(alive ? 403 : 401);
              }
            }
          } finally {
            await app.close();
            vi.useRealTimers();
          }
        }),
        fuzzParams(0.02),
      );
    },
    fuzzTimeoutMs(120_000),
  );
});
