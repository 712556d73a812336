// The bridge's log: request lines, a provoked 500 with its stack, redacted tokens and names, the
// readable terminal form.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { redactUrl } from './logger';
import { standinAnalysis } from '../../test/standin-analysis';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function logLines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('bridge log', () => {
  it('logs requests to hinge.log in the data dir, and a 500 with its stack; tokens and patient names are redacted', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-log-'));
    dirs.push(dataDir);
    const app = await buildApp({ dataDir, analysis: standinAnalysis, log: { level: 'info' } });
    try {
      const patient = await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Ada Lovelace-Secret' } });
      expect(patient.statusCode).toBe(201);
      expect((await app.inject({ method: 'GET', url: '/api/health?token=s3cr3t-t0ken', headers: { authorization: 'Bearer other-s3cr3t' } })).statusCode).toBe(200);
      app.log.info({ patient: { id: 'p1', name: 'Ada Lovelace-Secret' }, token: 's3cr3t-t0ken' }, 'an event about a patient');

      // Provoke an internal failure: the database is gone under a running route.
      app.bridge.store.close();
      const failed = await app.inject({ method: 'GET', url: '/api/patients' });
      expect(failed.statusCode).toBe(500);
      expect(failed.json()).toMatchObject({ code: 'HINGE_ERR_INTERNAL', message: 'internal error' });
    } finally {
      await app.close().catch(() => {});
    }

    const file = path.join(dataDir, 'hinge.log');
    const text = readFileSync(file, 'utf8');
    const lines = logLines(file);
    const errorLine = lines.find((l) => l.level === 50);
    expect(errorLine).toBeDefined();
    const err = errorLine!.err as { stack: string; message: string };
    expect(err.message).toMatch(/database/i);
    expect(err.stack).toMatch(/\n\s+at /);
    expect(errorLine!.code).toBe('HINGE_ERR_INTERNAL');
    // The failing request is identifiable: its request line carries the same reqId.
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(completed.some((l) => l.reqId === errorLine!.reqId && (l.res as { statusCode: number }).statusCode === 500)).toBe(true);
    const health = lines.find((l) => l.msg === 'incoming request' && String((l.req as { url: string }).url).startsWith('/api/health'));
    expect((health!.req as { url: string }).url).toBe('/api/health?token=[redacted]');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('Lovelace');
    expect(text).toContain('an event about a patient');
  });

  it('is human-readable on a terminal and JSON elsewhere; the level filters', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-log-'));
    dirs.push(dataDir);
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    let shown = '';
    tty.on('data', (c: Buffer) => (shown += c.toString()));
    const app = await buildApp({ dataDir, analysis: standinAnalysis, log: { level: 'warn', terminal: tty, file: null } });
    await app.inject({ method: 'GET', url: '/api/health' });
    app.log.warn('disk nearly full');
    await app.close();
    expect(shown).toMatch(/WARN.*disk nearly full/);
    expect(shown).not.toContain('{"level"');
    expect(shown).not.toContain('incoming request'); // info is below warn
  });

  it('redacts the token query parameter wherever it sits', () => {
    expect(redactUrl('/ws?token=abc&x=1')).toBe('/ws?token=[redacted]&x=1');
    expect(redactUrl('/?x=1&token=d_abc#/patient/1')).toBe('/?x=1&token=[redacted]#/patient/1');
    expect(redactUrl('/api/health')).toBe('/api/health');
  });
});
