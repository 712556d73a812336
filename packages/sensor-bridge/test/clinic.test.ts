// Stations, one clinic PostgreSQL, and review desks, against a real server (test/postgres.ts):
// - an outage in the middle of a session (the network to PostgreSQL cut through a proxy, then back):
//   the station records on, every byte of its recording and every row arrives once;
// - a review desk serves that session (report, exports, FHIR bundle) from PostgreSQL alone after the
//   station is shut down;
// - two stations creating the same patient (one clinic identifier) at once: one patient, two sessions;
// - an offline duplicate merged by hand (REST and CLI), and sessions pushed later follow the merge;
// - `hinge db push` of a station that ran without a clinic database, twice (nothing sent twice).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Health, Patient, SessionState } from '@hinge/protocol';
import { main } from '../src/cli/main';
import { realAnalysis } from '../src/server/app';
import { CLIENT_HEADER } from '../src/server/request-guard';
import { ClinicDb } from '../src/storage/clinic-db';
import { readRecording } from '../src/recording/reader';
import { resolveRecordingPath } from '../src/storage/archive';
import { capturedIO } from './captured-io';
import { call, drained, recordSimulated, reviewDesk, sleep, station, tempDir, until } from './clinic-support';
import { fhirSchemaValidator } from './fhir-schema';
import { createTestDatabase, query } from './postgres';
import { TcpProxy } from './tcp-proxy';

const db = await createTestDatabase('clinic');
const apps: FastifyInstance[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const app of apps) await app.close().catch(() => {});
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

async function track<T extends FastifyInstance>(app: Promise<T>): Promise<T> {
  const built = await app;
  apps.push(built);
  dirs.push(built.bridge.layout.root);
  return built;
}

async function clinicRecording(url: string, sessionId: string): Promise<Buffer> {
  const clinic = new ClinicDb(url);
  const dir = tempDir('reassembled');
  dirs.push(dir);
  try {
    const file = path.join(dir, 'recording');
    await clinic.writeRecording(sessionId, file);
    return readFileSync(file);
  } finally {
    await clinic.close();
  }
}

describe.skipIf(!db)('clinic database (real PostgreSQL)', { timeout: 90_000 }, () => {
  const url = db?.url ?? '';
  let outageSession: SessionState;
  let outageFile: Buffer;
  let outageFilePath: string;

  it('an outage mid-session: the station records on, then every byte and row arrives once', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(url).port || 5432));
    await proxy.restore();
    const bay = await track(station('bay-1', proxy.urlFor(url)));
    const patient = await call<Patient>(bay, 'POST', '/api/patients', { name: 'Outage patient', clinicId: 'MRN-100' });
    outageSession = await recordSimulated(bay, patient, 11);
    await call(bay, 'POST', `/api/sessions/${outageSession.id}/sets/start`);
    const pusher = bay.bridge.pusher!;
    await until(() => pusher.stats.chunksPushed >= 3, 10_000, 'the first chunks');

    await proxy.cut();
    const cutAtT = bay.bridge.hub.liveSession(outageSession.id).state().t;
    await until(() => pusher.stats.lastError !== null, 10_000, 'the pusher to notice the outage');
    const down = await call<Health>(bay, 'GET', '/api/health');
    expect(down.clinic).toMatchObject({ mode: 'station', station: 'bay-1', push: { connected: false } });
    expect(down.clinic!.push!.lastError).toBeTruthy();
    const chunksBefore = pusher.stats.chunksPushed;
    // Changes while the clinic is unreachable: a pain report, a set stopped and a new one started.
    bay.bridge.store.addPainReport({ id: crypto.randomUUID(), patientId: patient.id, sessionId: outageSession.id, phase: 'during', scoreNrs: 3, note: 'outage', createdAt: new Date().toISOString() });
    await call(bay, 'POST', `/api/sessions/${outageSession.id}/sets/stop`);
    await call(bay, 'POST', `/api/sessions/${outageSession.id}/sets/start`);
    await sleep(3000);
    expect(pusher.stats.chunksPushed).toBe(chunksBefore);
    expect(bay.bridge.store.outboxSize).toBeGreaterThan(0);
    // The live session went on meanwhile.
    expect(bay.bridge.hub.liveSession(outageSession.id).state().t).toBeGreaterThan(cutAtT + 2.5);

    await proxy.restore();
    await until(() => pusher.stats.lastError === null && pusher.stats.chunksPushed > chunksBefore, 15_000, 'the push to resume');
    await sleep(500);
    expect((await call<Health>(bay, 'GET', '/api/health')).clinic!.push).toMatchObject({ connected: true, lastError: null });
    await call(bay, 'POST', `/api/sessions/${outageSession.id}/stop`);
    await until(() => drained(bay), 15_000, 'the station to catch up');
    await proxy.cut();

    const row = bay.bridge.store.getSession(outageSession.id)!;
    outageFilePath = resolveRecordingPath(bay.bridge.layout.root, row.recordingPath!);
    outageFile = readFileSync(outageFilePath);
    const pushed = await clinicRecording(url, outageSession.id);
    expect(pushed.length).toBe(outageFile.length);
    expect(pushed.equals(outageFile)).toBe(true);
    // Every sample: the recording's time line has no hole where the outage was.
    const { lines } = await readRecording(resolveRecordingPath(bay.bridge.layout.root, row.recordingPath!), { mode: 'strict' });
    const times = lines.filter((l) => !('event' in l)).map((l) => l.t);
    const largestStepS = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
    expect(largestStepS).toBeLessThan(0.1);

    const [sessions] = await query<{ n: string; status: string; station: string; last_t: number }>(
      url,
      'SELECT count(*) OVER () AS n, status, station, last_t FROM sessions WHERE id = $1',
      [outageSession.id],
    );
    expect(sessions).toMatchObject({ n: '1', status: 'stopped', station: 'bay-1' });
    expect(sessions!.last_t).toBeCloseTo(row.lastT, 6);
    const reps = await query<{ idx: number }>(url, 'SELECT idx FROM reps WHERE session_id = $1 ORDER BY idx', [outageSession.id]);
    expect(reps.map((r) => r.idx)).toEqual(bay.bridge.store.listReps(outageSession.id).map((r) => r.index));
    const sets = await query<{ idx: number; end_t: number | null }>(url, 'SELECT idx, end_t FROM sets WHERE session_id = $1 ORDER BY idx', [outageSession.id]);
    expect(sets.map((s) => [s.idx, s.end_t])).toEqual(bay.bridge.store.listSets(outageSession.id).map((s) => [s.index, s.end]));
    const pain = await query(url, 'SELECT * FROM pain_reports WHERE session_id = $1', [outageSession.id]);
    expect(pain).toHaveLength(1);
    const chunks = await query<{ n: string; distinct_offsets: string; bytes: string }>(
      url,
      'SELECT count(*) AS n, count(DISTINCT byte_offset) AS distinct_offsets, sum(byte_length) AS bytes FROM recording_chunks WHERE session_id = $1',
      [outageSession.id],
    );
    expect(chunks[0]!.n).toBe(chunks[0]!.distinct_offsets);
    expect(Number(chunks[0]!.bytes)).toBe(outageFile.length);
    await bay.close();
  });

  it('a review desk serves the report, the exports and the station of a session whose station is shut down', async () => {
    const desk = await track(reviewDesk(url));
    expect((await call<Health>(desk, 'GET', '/api/health')).clinic).toEqual({ mode: 'review', station: null, push: null });
    const sessions = await call<SessionState[]>(desk, 'GET', '/api/sessions');
    const listed = sessions.find((s) => s.id === outageSession.id);
    expect(listed).toMatchObject({ station: 'bay-1', status: 'stopped' });
    const detail = await call<SessionState & { reps: unknown[] }>(desk, 'GET', `/api/sessions/${outageSession.id}`);
    expect(detail.reps.length).toBe(detail.repCount);
    // The report from PostgreSQL alone is the one the station's own file gives.
    const analysis = await call<{ reps: unknown[] }>(desk, 'GET', `/api/sessions/${outageSession.id}/analysis`);
    const { header, lines } = await readRecording(outageFilePath, { mode: 'lenient' });
    expect(analysis).toEqual(JSON.parse(JSON.stringify(realAnalysis.analyzeOffline(header, lines, detail.settings))));
    const recording = await desk.inject({ method: 'GET', url: `/api/sessions/${outageSession.id}/export/recording` });
    expect(recording.statusCode).toBe(200);
    expect(recording.rawPayload.equals(outageFile)).toBe(true);
    const csv = await desk.inject({ method: 'GET', url: `/api/sessions/${outageSession.id}/export/reps.csv` });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.trim().split('\n')).toHaveLength(detail.reps.length + 1);
    const mcap = await desk.inject({ method: 'GET', url: `/api/sessions/${outageSession.id}/export/session.mcap` });
    expect(mcap.statusCode).toBe(200);
    const fhir = await desk.inject({ method: 'GET', url: `/api/sessions/${outageSession.id}/export/fhir.json` });
    expect(fhir.statusCode).toBe(200);
    const bundle = fhir.json<{ entry: { resource: { resourceType: string; code?: { coding: { code: string }[] }; valueQuantity?: { value: number } } }[] }>();
    const validate = fhirSchemaValidator();
    expect(validate(bundle), JSON.stringify(validate.errors)).toBe(true);
    expect(bundle.entry[0]!.resource.resourceType).toBe('Patient');
    const reps = bundle.entry.find((e) => e.resource.code?.coding[0]!.code === 'hip-hinge-reps');
    expect(reps?.resource.valueQuantity?.value).toBe(detail.reps.length);
    // A review desk records nothing.
    const refused = await desk.inject({ method: 'POST', url: '/api/sessions', payload: { patientId: listed!.patientId }, headers: { [CLIENT_HEADER]: '1' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'HINGE_ERR_REVIEW_ONLY' });
  });

  it('two stations, one clinic identifier, at the same time: one patient, two sessions', async () => {
    const [a, b] = await Promise.all([track(station('bay-a', url)), track(station('bay-b', url))]);
    const [pa, pb] = await Promise.all([
      call<Patient>(a, 'POST', '/api/patients', { name: 'Shared patient', clinicId: 'MRN-200' }),
      call<Patient>(b, 'POST', '/api/patients', { name: 'Shared patient', clinicId: 'MRN-200' }),
    ]);
    expect(pa.id).not.toBe(pb.id);
    const [sa, sb] = await Promise.all([recordSimulated(a, pa, 21), recordSimulated(b, pb, 22)]);
    await sleep(1200);
    await Promise.all([call(a, 'POST', `/api/sessions/${sa.id}/stop`), call(b, 'POST', `/api/sessions/${sb.id}/stop`)]);
    await until(() => drained(a) && drained(b), 15_000, 'both stations to push');

    const patients = await query<{ id: string }>(url, "SELECT id FROM patients WHERE clinic_id = 'MRN-200'");
    expect(patients).toHaveLength(1);
    const canonical = patients[0]!.id;
    expect([pa.id, pb.id]).toContain(canonical);
    const sessions = await query<{ id: string; station: string }>(url, 'SELECT id, station FROM sessions WHERE patient_id = $1 ORDER BY station', [canonical]);
    expect(sessions.map((s) => s.station)).toEqual(['bay-a', 'bay-b']);

    const desk = await track(reviewDesk(url));
    const viaOtherId = await call<Patient>(desk, 'GET', `/api/patients/${canonical === pa.id ? pb.id : pa.id}`);
    expect(viaOtherId.id).toBe(canonical);
    const listed = await call<SessionState[]>(desk, 'GET', `/api/patients/${canonical}/sessions`);
    expect(listed.map((s) => s.id).sort()).toEqual([sa.id, sb.id].sort());
    await Promise.all([a.close(), b.close()]);
  });

  it('an offline duplicate is merged (REST, then CLI); later pushes of the duplicate follow the merge', async () => {
    const bay = await track(station('bay-m', url));
    const real = await call<Patient>(bay, 'POST', '/api/patients', { name: 'Dana Real' });
    const dup = await call<Patient>(bay, 'POST', '/api/patients', { name: 'Dana (typed twice)', notes: 'walk-in' });
    const dup2 = await call<Patient>(bay, 'POST', '/api/patients', { name: 'Dana (third)' });
    for (const p of [real, dup, dup2]) await call(bay, 'POST', '/api/sessions', { patientId: p.id });
    await until(() => drained(bay), 15_000, 'the push');

    const desk = await track(reviewDesk(url));
    const merged = await call<Patient>(desk, 'POST', `/api/patients/${dup.id}/merge`, { into: real.id });
    expect(merged).toMatchObject({ id: real.id, notes: 'walk-in' });
    expect(await call<SessionState[]>(desk, 'GET', `/api/patients/${real.id}/sessions`)).toHaveLength(2);
    const missing = await desk.inject({ method: 'POST', url: `/api/patients/${dup.id}/merge`, payload: { into: 'nobody' }, headers: { [CLIENT_HEADER]: '1' } });
    expect(missing.statusCode).toBe(404);

    const urlFile = path.join(tempDir('db-url'), 'clinic-url');
    dirs.push(path.dirname(urlFile));
    writeFileSync(urlFile, url + '\n', { mode: 0o600 });
    const cli = capturedIO();
    expect(await main(['db', 'merge-patients', dup2.id, real.id, '--database-file', urlFile], cli.io)).toBe(0);
    expect(cli.out()).toContain(`merged into ${real.id}`);

    // The station still knows the duplicates; what it records for them now lands on the merged patient.
    await call(bay, 'POST', '/api/sessions', { patientId: dup.id });
    await sleep(300);
    await until(() => drained(bay), 15_000, 'the push');
    expect(await call<SessionState[]>(desk, 'GET', `/api/patients/${real.id}/sessions`)).toHaveLength(4);
    expect(await query(url, 'SELECT id FROM patients WHERE id = ANY($1)', [[dup.id, dup2.id]])).toHaveLength(0);
    await bay.close();
  });

  it('hinge db push sends a lone station (database and recordings) once; a second run sends nothing', async () => {
    const lone = await track(station('lone', undefined));
    const patient = await call<Patient>(lone, 'POST', '/api/patients', { name: 'Lone patient', clinicId: 'MRN-300' });
    const session = await recordSimulated(lone, patient, 31);
    await sleep(1500);
    await call(lone, 'POST', `/api/sessions/${session.id}/stop`);
    const dataDir = lone.bridge.layout.root;
    const file = readFileSync(resolveRecordingPath(dataDir, lone.bridge.store.getSession(session.id)!.recordingPath!));
    await lone.close();

    const urlFile = path.join(tempDir('db-url'), 'clinic-url');
    dirs.push(path.dirname(urlFile));
    writeFileSync(urlFile, url, { mode: 0o600 });
    const first = capturedIO();
    expect(await main(['db', 'push', '--data-dir', dataDir, '--database-file', urlFile], first.io)).toBe(0);
    expect(first.out()).toMatch(/pushed [1-9]\d* rows, [1-9]\d* recording chunks/);
    expect((await clinicRecording(url, session.id)).equals(file)).toBe(true);
    const second = capturedIO();
    expect(await main(['db', 'push', '--data-dir', dataDir, '--database-file', urlFile], second.io)).toBe(0);
    expect(second.out()).toMatch(/0 queued changes; pushed 0 rows, 0 recording chunks/);
    expect(await query(url, 'SELECT id FROM sessions WHERE id = $1', [session.id])).toHaveLength(1);
  });

  it('the least-privilege roles of docs/clinic.md suffice: a station pushes, a review desk reads and cannot write', async () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/clinic.md'), 'utf8');
    const block = doc.slice(doc.indexOf('### Least-privilege roles')).match(/```sql\n([\s\S]*?)```/)![1]!;
    const suffix = `_${Math.random().toString(36).slice(2, 8)}`;
    const roles = { station: `hinge_station${suffix}`, review: `hinge_review${suffix}` };
    const sqlText = block
      .replace(/hinge_station/g, roles.station)
      .replace(/hinge_review/g, roles.review)
      .replace(/DATABASE hinge /g, `DATABASE ${db!.name} `);
    await query(url, sqlText);
    const as = (role: string) => {
      const u = new URL(url);
      u.username = role;
      return u.toString();
    };
    try {
      const bay = await track(station('bay-least', as(roles.station)));
      const patient = await call<Patient>(bay, 'POST', '/api/patients', { name: 'Least privilege', clinicId: 'MRN-400' });
      const session = await recordSimulated(bay, patient, 41);
      await sleep(1200);
      await call(bay, 'POST', `/api/sessions/${session.id}/stop`);
      await until(() => drained(bay), 15_000, 'the push as the station role');
      expect(bay.bridge.pusher!.stats.lastError).toBeNull();
      const desk = await track(reviewDesk(as(roles.review)));
      expect((await call<SessionState[]>(desk, 'GET', `/api/patients/${patient.id}/sessions`)).map((s) => s.id)).toEqual([session.id]);
      const recording = await desk.inject({ method: 'GET', url: `/api/sessions/${session.id}/export/recording` });
      expect(recording.statusCode).toBe(200);
      await expect(query(as(roles.review), "INSERT INTO patients (id, name, notes, created_at) VALUES ('x', 'x', '', 'x')")).rejects.toThrow(/permission denied/);
      await expect(query(as(roles.station), 'DROP TABLE recording_chunks')).rejects.toThrow(/must be owner/);
      await bay.close();
      await desk.close();
    } finally {
      for (const role of Object.values(roles)) await query(url, `DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('the connection string never comes from the command line', async () => {
    const cli = capturedIO();
    expect(await main(['serve', '--database-url', url], cli.io)).toBe(2);
    expect(cli.err()).toMatch(/not taken from the command line/);
  });
});
