// One timeline: what a live session stores and streams (reps, sets, alerts, calibration) is exactly
// what `hinge analyze` reports for its recording, field for field, with the REAL analysis. The session
// has a warm-up rep outside any set, two sets, a lumbar-limit change in the middle of set 1, a
// recalibration between the sets, a rep begun just before "start set", a clinician's note, and a
// thoracic drop-out in the middle of a rep. The same holds after an abrupt stop (the on-disk state a
// kill -9 leaves, copied while the session runs) and crash recovery on restart, in a data directory at
// another place.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import type { AnalysisDocument, RecordingLine, RepReport, ServerMessage, SessionDetail } from '@hinge/protocol';
import { buildApp } from './app';
import { CLIENT_HEADER } from './request-guard';
import { manualSource } from '../../test/manual-source';
import { resolveRecordingPath } from '../storage/archive';
import { main } from '../cli/main';
import { capturedIO } from '../../test/captured-io';
import { eventsOf, expectStoredEqualsDocument, scenario } from '../../test/one-timeline-scenario';

const dirs: string[] = [];
const apps: FastifyInstance[] = [];
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

/** State-changing requests without a JSON body name their client (request-guard.ts). */
const CLIENT = { [CLIENT_HEADER]: 'one-timeline-test' };


async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `ws://127.0.0.1:${address.port}/ws`;
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `hinge analyze FILE --json`, the command itself. */
async function hingeAnalyze(file: string): Promise<AnalysisDocument> {
  const captured = capturedIO();
  const code = await main(['analyze', file, '--json'], captured.io);
  expect(captured.err()).toBe('');
  expect(code).toBe(0);
  return JSON.parse(captured.out()) as AnalysisDocument;
}


describe('one timeline: live session = hinge analyze of its recording (real analysis)', () => {
  it('reps, sets, alerts and calibration, live and after an abrupt stop and recovery elsewhere', { timeout: 120_000 }, async () => {
    const { header, lines, controls, dropout, truth } = scenario();
    const dataDir = tempDir('hinge-timeline-');
    const feed = manualSource(header);
    const app = await buildApp({ dataDir, createSource: () => feed.source });
    apps.push(app);
    const client = new WebSocket(await listen(app));
    const messages: ServerMessage[] = [];
    client.on('message', (d) => messages.push(JSON.parse(d.toString()) as ServerMessage));
    await new Promise((resolve) => client.once('open', resolve));

    const patient = (await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Timeline' } })).json();
    const created = await app.inject({ method: 'POST', url: '/api/sessions', payload: { patientId: patient.id, settings: { lumbarLimitDeg: 20, targetReps: 10 } } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    client.send(JSON.stringify({ type: 'subscribe', sessionId: id }));
    expect((await app.inject({ method: 'PUT', url: `/api/sessions/${id}/source`, payload: { kind: 'simulator' } })).statusCode).toBe(200);

    const act = async (action: string) => {
      if (action === 'note') {
        const note = await app.inject({ method: 'POST', url: `/api/sessions/${id}/annotations`, payload: { text: 'back feels tight before rep 3' } });
        expect(note.statusCode, note.body).toBe(201);
        return;
      }
      const request =
        action === 'limit-40'
          ? { method: 'PATCH' as const, url: `/api/sessions/${id}/settings`, payload: { lumbarLimitDeg: 40 } }
          : { method: 'POST' as const, url: `/api/sessions/${id}/${action === 'calibrate' ? 'calibrate' : action === 'set-start' ? 'sets/start' : 'sets/stop'}` };
      const reply = await app.inject({ ...request, headers: CLIENT });
      expect(reply.statusCode, `${action}: ${reply.body}`).toBe(200);
    };
    // Feed the sensors' lines in 20 ms batches; the clinician acts when the recording reaches each time.
    let next = 0;
    let snapshotDir: string | null = null;
    const crashAtT = truth[6]!.bottom; // during rep 7, set 2 running
    for (let i = 0; i < lines.length; ) {
      const batchEnd = lines[i]!.t + 0.02;
      const batch: RecordingLine[] = [];
      while (i < lines.length && lines[i]!.t < batchEnd) batch.push(lines[i++]!);
      while (next < controls.length && controls[next]!.t <= batchEnd) await act(controls[next++]!.action);
      feed.push(batch);
      if (!snapshotDir && batchEnd > crashAtT) {
        // What a kill -9 now would leave: the flushed recording and the committed database.
        await new Promise((r) => setTimeout(r, 300));
        snapshotDir = path.join(tempDir('hinge-moved-'), 'data');
        cpSync(dataDir, snapshotDir, { recursive: true });
      }
    }
    expect(next).toBe(controls.length);
    await until(() => messages.filter((m) => m.type === 'event' && m.event.type === 'rep-completed').length >= 7);
    expect((await app.inject({ method: 'POST', url: `/api/sessions/${id}/stop`, headers: CLIENT })).statusCode).toBe(200);
    await until(() => messages.some((m) => m.type === 'session' && m.session.status === 'stopped'));

    const detail = (await app.inject({ url: `/api/sessions/${id}` })).json() as SessionDetail;
    const file = resolveRecordingPath(app.bridge.layout.root, app.bridge.store.getSession(id)!.recordingPath!);
    const doc = await hingeAnalyze(file);

    // The scenario is what it claims to be.
    const set = (i: number) => doc.reps[i - 1]?.set;
    expect(doc.reps).toHaveLength(7);
    expect([1, 2, 3, 4, 5, 6, 7].map(set)).toEqual([undefined, 1, 1, 1, 2, 2, 2]);
    expect(doc.reps.map((r) => r.faults.includes('lumbar-rounding'))).toEqual([false, false, true, false, false, false, true]);
    expect(doc.reps[3]!.peakLumbarDeg).toBeGreaterThan(20); // rep 4 would have been faulted at the first limit
    expect(doc.reps[5]!.missingS).toBeGreaterThan(0.3); // the drop-out fell into rep 6
    expect(doc.reps[5]!.start).toBeLessThan(dropout.start);
    expect(doc.calibrations).toHaveLength(2);
    expect(doc.calibrations[1]!.start).toBeGreaterThan(truth[3]!.end);
    expect(doc.summary.sets?.map((s) => s.repCount)).toEqual([3, 3]);
    expect(doc.settings?.lumbarLimitDeg).toBe(40);
    expect(doc.annotations?.map((a) => a.text)).toEqual(['back feels tight before rep 3']);
    expect(doc.annotations![0]!.t).toBeGreaterThan(truth[1]!.end);
    expect(doc.annotations![0]!.t).toBeLessThan(truth[2]!.start);

    // Live = hinge analyze, field for field: stored reps, sets, calibration, summary ...
    expectStoredEqualsDocument(detail, doc);
    expect(detail.settings.lumbarLimitDeg).toBe(40);
    // ... the reps and set summaries streamed to the client ...
    const streamed = (type: string) => messages.flatMap((m) => (m.type === 'event' && m.event.type === type ? [m.event] : []));
    expect(streamed('rep-completed').map((e) => (e as { rep: RepReport }).rep)).toEqual(doc.reps);
    expect(streamed('set-completed').map((e) => (e as { set: unknown }).set)).toEqual(doc.summary.sets);
    // ... the alerts (every field) ...
    const liveAlerts = streamed('alert');
    expect(liveAlerts.map((a) => a.type === 'alert' && [a.index, a.fault])).toEqual([
      [3, 'lumbar-rounding'],
      [7, 'lumbar-rounding'],
    ]);
    expect(liveAlerts).toEqual((await eventsOf(file)).filter((e) => e.type === 'alert'));
    // ... the clinician's notes ...
    expect(streamed('annotation').map((e) => e.type === 'annotation' && { t: e.t, text: e.text })).toEqual(doc.annotations);
    // ... and the calibration the client was last told.
    const calibrated = streamed('calibrated');
    expect(calibrated.at(-1)).toMatchObject({ ...doc.calibrations.at(-1), final: true });

    // A client that joins now gets the same alerts, reps, sets and calibration in its snapshot.
    // (The session has stopped, so it is read over REST; the snapshot of a running one is checked below.)

    // Abrupt stop + recovery, in a data directory copied elsewhere (relative recording paths).
    expect(snapshotDir).not.toBeNull();
    const moved = await buildApp({ dataDir: snapshotDir! });
    apps.push(moved);
    expect(moved.bridge.recovered).toEqual([id]);
    const recovered = (await moved.inject({ url: `/api/sessions/${id}` })).json() as SessionDetail;
    expect(recovered.status).toBe('interrupted');
    const recoveredFile = resolveRecordingPath(moved.bridge.layout.root, moved.bridge.store.getSession(id)!.recordingPath!);
    expect(recoveredFile.startsWith(snapshotDir!)).toBe(true);
    const recoveredDoc = await hingeAnalyze(recoveredFile);
    expectStoredEqualsDocument(recovered, recoveredDoc);
    expect(recoveredDoc.reps.length).toBe(6); // rep 7 came after the "kill"
    expect(recoveredDoc.reps).toEqual(doc.reps.slice(0, 6));
    expect(recoveredDoc.summary.sets?.[0]).toEqual(doc.summary.sets?.[0]);
    expect(recoveredDoc.annotations).toEqual(doc.annotations);
    expect((await moved.inject({ url: `/api/sessions/${id}/analysis` })).json()).toEqual(recoveredDoc);
    expect(readdirSync(path.join(snapshotDir!, 'recordings'))).toHaveLength(1);
    expect(existsSync(file)).toBe(true);
    client.close();
  });

  it('a client subscribing mid-session gets the alerts, reps, sets and calibration so far', { timeout: 60_000 }, async () => {
    const { header, lines, controls, truth } = scenario();
    const feed = manualSource(header);
    const app = await buildApp({ dataDir: tempDir('hinge-rejoin-'), createSource: () => feed.source });
    apps.push(app);
    const url = await listen(app);
    const patient = (await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Rejoin' } })).json();
    const id = (await app.inject({ method: 'POST', url: '/api/sessions', payload: { patientId: patient.id, settings: { lumbarLimitDeg: 20 } } })).json().id as string;
    await app.inject({ method: 'PUT', url: `/api/sessions/${id}/source`, payload: { kind: 'simulator' } });
    expect((await app.inject({ method: 'POST', url: `/api/sessions/${id}/sets/start`, headers: CLIENT })).statusCode).toBe(200);
    // Up to just after rep 3 (faulted); no client is connected meanwhile.
    const upTo = truth[2]!.end + 1;
    const head = lines.filter((l) => l.t < upTo);
    for (let i = 0; i < head.length; i += 40) feed.push(head.slice(i, i + 40));
    expect(controls.length).toBeGreaterThan(0);

    const client = new WebSocket(url);
    const messages: ServerMessage[] = [];
    client.on('message', (d) => messages.push(JSON.parse(d.toString()) as ServerMessage));
    await new Promise((resolve) => client.once('open', resolve));
    client.send(JSON.stringify({ type: 'subscribe', sessionId: id }));
    await until(() => messages.some((m) => m.type === 'snapshot'));
    const snapshot = messages.find((m) => m.type === 'snapshot');
    if (snapshot?.type !== 'snapshot') throw new Error('no snapshot');
    const of = (type: string) => snapshot.events.filter((e) => e.type === type);
    expect(of('rep-completed')).toHaveLength(3);
    expect(of('alert').map((a) => a.type === 'alert' && a.index)).toEqual([3]);
    expect(of('set-started')).toHaveLength(1);
    expect(of('calibrated').at(-1)).toMatchObject({ final: true });
    expect(of('phase')).toEqual([]);
    const state = messages.find((m) => m.type === 'session');
    expect(state?.type === 'session' && state.session.repCount).toBe(3);
    client.close();
  });
});
