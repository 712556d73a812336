// POST /api/sessions/import: uploaded vendor exports become a stopped session that reviews like a
// recorded one (analysis, exports, the session list); bad files and oversized uploads are refused clearly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { analyzeRecordingLines, DEFAULT_SETTINGS } from '@hinge/analysis';
import { IMPORT_BODY_LIMIT_BYTES, type SampleLine } from '@hinge/protocol';
import { buildApp } from './app';
import { CLIENT_HEADER } from './request-guard';
import { randomSession, simulateSession } from '@hinge/simulator';

const dirs: string[] = [];
const apps: FastifyInstance[] = [];
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const headers = { [CLIENT_HEADER]: 'test' };

const sim = simulateSession({ seed: 9, script: randomSession(9, { durationS: 60 }) });
const samples = sim.lines.filter((l): l is SampleLine => !('event' in l) && !!l.acc && !!l.gyr);
const csv = (sensor: string) =>
  ['t_s,ax,ay,az,gx,gy,gz', ...samples.filter((s) => s.sensor === sensor).map((s) => [s.t.toFixed(4), ...s.acc!.map((v) => v.toFixed(4)), ...s.gyr!.map((v) => v.toFixed(5))].join(','))].join('\n') + '\n';

async function appWithPatient(): Promise<{ app: FastifyInstance; patientId: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-import-route-'));
  dirs.push(dataDir);
  const app = await buildApp({ dataDir, replayDirs: [] });
  apps.push(app);
  const patient = await app.inject({ method: 'POST', url: '/api/patients', headers, payload: { name: 'Ada' } });
  return { app, patientId: patient.json().id };
}

const body = (patientId: string, sacrumText: string) => ({
  patientId,
  format: 'generic',
  columns: 't=t_s;acc=ax,ay,az;gyr=gx,gy,gz',
  startedAt: '2026-11-24T10:00:00Z',
  sacrum: { files: [{ name: 'sacrum.csv', text: sacrumText }] },
  thoracic: { files: [{ name: 'thoracic.csv', text: csv('thoracic') }] },
});

describe('POST /api/sessions/import', () => {
  it('an upload becomes a stopped session: listed, analysed as hinge analyze would, its recording exported', async () => {
    const { app, patientId } = await appWithPatient();
    const created = await app.inject({ method: 'POST', url: '/api/sessions/import', headers, payload: body(patientId, csv('sacrum')) });
    expect(created.statusCode, created.body).toBe(201);
    const session = created.json();
    expect(session.status).toBe('stopped');
    expect(session.startedAt).toBe('2026-11-24T10:00:00.000Z');
    const wantReps = analyzeRecordingLines(sim.header, sim.lines.filter((l) => !('event' in l)), DEFAULT_SETTINGS).reps.length;
    expect(wantReps).toBeGreaterThan(0);
    expect(session.repCount).toBe(wantReps);
    const listed = (await app.inject({ url: `/api/sessions?patientId=${patientId}` })).json();
    expect(listed.map((s: { id: string }) => s.id)).toContain(session.id);
    const analysis = await app.inject({ url: `/api/sessions/${session.id}/analysis` });
    expect(analysis.json().reps).toHaveLength(wantReps);
    const recording = await app.inject({ url: `/api/sessions/${session.id}/export/recording` });
    expect(recording.headers['content-disposition']).toBe(`attachment; filename="${session.id}.jsonl.gz"`);
    const lines = gunzipSync(recording.rawPayload).toString().trim().split('\n');
    expect(JSON.parse(lines[0]!).sensors.map((s: { importedFrom: string[] }) => s.importedFrom)).toEqual([['sacrum.csv'], ['thoracic.csv']]);
    expect(lines.length - 1).toBe(samples.length);
  });

  it('a bad file is a 422 naming the file and line; a too large upload a 413; nothing is stored', async () => {
    const { app, patientId } = await appWithPatient();
    const bad = await app.inject({ method: 'POST', url: '/api/sessions/import', headers, payload: body(patientId, 't_s,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.01,0,x,9.8,0,0,0\n') });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'HINGE_ERR_IMPORT' });
    expect(bad.json().message).toContain('sacrum.csv:3: column "ay" is not a number ("x")');
    const huge = await app.inject({ method: 'POST', url: '/api/sessions/import', headers, payload: body(patientId, 'x'.repeat(IMPORT_BODY_LIMIT_BYTES)) });
    expect(huge.statusCode).toBe(413);
    expect((await app.inject({ url: `/api/sessions?patientId=${patientId}` })).json()).toEqual([]);
  });
});
