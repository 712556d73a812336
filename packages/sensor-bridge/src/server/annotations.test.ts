// Annotations: a clinician's note at a time point of a running session, over REST and WebSocket, with the
// real analysis. The note is an `annotation` line in the recording; the live stream, the reconnect
// snapshot, /analysis and `hinge analyze` all report the same notes. Bad notes are refused with a reason
// that never quotes them, and no note (good or bad) reaches the log: it is patient data.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { ANNOTATION_MAX_CHARS, type AnalysisDocument, type RecordingLine, type ServerMessage } from '@hinge/protocol';
import { analyzeRecordingLines } from '@hinge/analysis';
import { buildApp } from './app';
import { CLIENT_HEADER } from './request-guard';
import { simulateSession } from '@hinge/simulator';
import { manualSource } from '../../test/manual-source';
import { readRecording } from '../recording/reader';
import { resolveRecordingPath } from '../storage/archive';
import { main } from '../cli/main';
import { capturedIO } from '../../test/captured-io';
import { pdfText } from '../../test/pdf-text';

const dirs: string[] = [];
const apps: FastifyInstance[] = [];
afterAll(async () => {
  for (const app of apps) await app.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const CLIENT = { [CLIENT_HEADER]: 'annotations-test' };


async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function connect(app: FastifyInstance): Promise<{ ws: WebSocket; messages: ServerMessage[] }> {
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const ws = new WebSocket(`ws://127.0.0.1:${address.port}/ws`);
  const messages: ServerMessage[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as ServerMessage));
  await new Promise((resolve) => ws.once('open', resolve));
  return { ws, messages };
}

describe('annotations', () => {
  it('a note over REST and one over WebSocket are annotation lines; live, snapshot, /analysis and hinge analyze agree; none is logged', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-notes-'));
    dirs.push(dataDir);
    const { header, lines } = simulateSession({ seed: 77, script: [{ kind: 'stand', durationS: 4 }, { kind: 'hinge', trunkDeg: 70, pelvisDeg: 62 }, { kind: 'stand', durationS: 4 }], noise: 'typical' });
    const samples = lines.filter((l) => !('event' in l));
    const feed = manualSource(header);
    const app = await buildApp({ dataDir, createSource: () => feed.source, log: { level: 'trace' } });
    apps.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const patient = (await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Notes' } })).json();
    const id = (await app.inject({ method: 'POST', url: '/api/sessions', payload: { patientId: patient.id } })).json().id as string;

    // Not running yet: nothing to annotate.
    const early = await app.inject({ method: 'POST', url: `/api/sessions/${id}/annotations`, payload: { text: 'too early' } });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('HINGE_ERR_SESSION_NOT_LIVE');

    expect((await app.inject({ method: 'PUT', url: `/api/sessions/${id}/source`, payload: { kind: 'simulator' } })).statusCode).toBe(200);
    const live = await connect(app);
    live.ws.send(JSON.stringify({ type: 'subscribe', sessionId: id }));
    await until(() => live.messages.some((m) => m.type === 'snapshot'));
    const feedUntil = (() => {
      let i = 0;
      return (t: number) => {
        const batch: RecordingLine[] = [];
        while (i < samples.length && samples[i]!.t < t) batch.push(samples[i++]!);
        for (let k = 0; k < batch.length; k += 40) feed.push(batch.slice(k, k + 40));
      };
    })();
    feedUntil(3);

    // REST: trimmed and NFC-normalised ("e" + combining acute -> "é"); the reply is the note as stored.
    const restNote = await app.inject({ method: 'POST', url: `/api/sessions/${id}/annotations`, payload: { text: '  SECRET-A: knee pain 4/10 after warm-up, Ame\u0301lie  ' } });
    expect(restNote.statusCode, restNote.body).toBe(201);
    const first = restNote.json() as { t: number; text: string };
    expect(first.text).toBe('SECRET-A: knee pain 4/10 after warm-up, Am\u00e9lie');
    expect(first.t).toBeGreaterThan(2.8);
    expect(first.t).toBeLessThanOrEqual(3);

    // Refused, with reasons that never quote the note.
    const refused = async (text: unknown) => {
      const reply = await app.inject({ method: 'POST', url: `/api/sessions/${id}/annotations`, payload: { text } });
      expect(reply.statusCode, reply.body).toBe(400);
      expect(reply.body).not.toContain('SECRET');
      return (reply.json() as { message: string }).message;
    };
    expect(await refused('SECRET-LONG ' + 'x'.repeat(ANNOTATION_MAX_CHARS))).toMatch(/280/);
    expect(await refused('SECRET-NL line one\nline two')).toMatch(/one line/);
    expect(await refused('SECRET-BIDI \u202eevil')).toMatch(/text-direction/);
    expect(await refused('   ')).toMatch(/empty/);
    expect(await refused('')).toMatch(/text/);
    expect(await refused(42)).toMatch(/text/);
    // Exactly the limit is a note.
    const atLimit = 'SECRET-MAX'.padEnd(ANNOTATION_MAX_CHARS, '.');
    feedUntil(5);
    expect((await app.inject({ method: 'POST', url: `/api/sessions/${id}/annotations`, payload: { text: atLimit } })).statusCode).toBe(201);

    // WebSocket: acknowledged, and a bad one is an error reply that does not quote it.
    feedUntil(8);
    live.ws.send(JSON.stringify({ type: 'annotate', id: 'n1', sessionId: id, text: 'SECRET-WS: patient asks for a break' }));
    live.ws.send(JSON.stringify({ type: 'annotate', id: 'n2', sessionId: id, text: 'SECRET-WSBAD\tindented' }));
    await until(() => live.messages.some((m) => m.type === 'error' && m.id === 'n2'));
    expect(live.messages.find((m) => m.type === 'ack' && m.id === 'n1')).toBeDefined();
    const wsError = live.messages.find((m) => m.type === 'error' && m.id === 'n2');
    expect(wsError).toMatchObject({ code: 'HINGE_ERR_BAD_MESSAGE' });
    expect(JSON.stringify(wsError)).not.toContain('SECRET');
    feedUntil(Infinity);

    // A client that joins now rebuilds the notes from its snapshot.
    const rejoin = await connect(app);
    rejoin.ws.send(JSON.stringify({ type: 'subscribe', sessionId: id }));
    await until(() => rejoin.messages.some((m) => m.type === 'snapshot'));
    const snapshot = rejoin.messages.find((m) => m.type === 'snapshot');
    if (snapshot?.type !== 'snapshot') throw new Error('no snapshot');
    const snapshotNotes = snapshot.events.flatMap((e) => (e.type === 'annotation' ? [{ t: e.t, text: e.text }] : []));
    expect(snapshotNotes.map((n) => n.text)).toEqual([first.text, atLimit, 'SECRET-WS: patient asks for a break']);
    rejoin.ws.close();

    await until(() => live.messages.filter((m) => m.type === 'event' && m.event.type === 'rep-completed').length >= 1);
    expect((await app.inject({ method: 'POST', url: `/api/sessions/${id}/stop`, headers: CLIENT })).statusCode).toBe(200);
    const streamedNotes = live.messages.flatMap((m) => (m.type === 'event' && m.event.type === 'annotation' ? [{ t: m.event.t, text: m.event.text }] : []));
    expect(streamedNotes).toEqual(snapshotNotes);
    live.ws.close();

    // The recording holds them as annotation lines; /analysis and `hinge analyze` report exactly the live ones.
    const file = resolveRecordingPath(app.bridge.layout.root, app.bridge.store.getSession(id)!.recordingPath!);
    const { lines: recorded } = await readRecording(file, { mode: 'strict' });
    expect(recorded.filter((l) => 'event' in l && l.event === 'annotation')).toEqual(streamedNotes.map((n) => ({ t: n.t, event: 'annotation', text: n.text })));
    const analysis = (await app.inject({ url: `/api/sessions/${id}/analysis` })).json() as AnalysisDocument;
    expect(analysis.annotations).toEqual(streamedNotes);
    const captured = capturedIO();
    expect(await main(['analyze', file, '--json'], captured.io)).toBe(0);
    expect((JSON.parse(captured.out()) as AnalysisDocument).annotations).toEqual(streamedNotes);

    // The PDF report lists them too.
    const pdf = await app.inject({ url: `/api/sessions/${id}/export/report.pdf?lang=en` });
    expect(pdf.statusCode).toBe(200);
    const pdfPages = (await pdfText(pdf.rawPayload)).pages.join('\n');
    expect(pdfPages).toContain('Notes during the session');
    expect(pdfPages).toContain('SECRET-WS: patient asks for a break');

    // After the session: refused.
    expect((await app.inject({ method: 'POST', url: `/api/sessions/${id}/annotations`, payload: { text: 'SECRET-LATE' } })).statusCode).toBe(409);

    await app.close();
    const log = readFileSync(path.join(dataDir, 'hinge.log'), 'utf8');
    expect(log).toContain('/annotations'); // the requests were logged ...
    expect(log).not.toContain('SECRET'); // ... never a note
  });

  it('the analysis leaves out an annotation line that is not a valid note, with a warning that does not quote it', () => {
    const { header, lines } = simulateSession({ seed: 78, script: [{ kind: 'stand', durationS: 3 }], noise: 'typical' });
    const withNotes: RecordingLine[] = [
      ...lines.filter((l) => l.t < 1),
      { t: 1, event: 'annotation', text: 'fine' },
      { t: 1.5, event: 'annotation', text: 'SECRET ' + 'y'.repeat(ANNOTATION_MAX_CHARS) },
      { t: 2, event: 'annotation', text: 17 },
      { t: 2.2, event: 'annotation' },
      ...lines.filter((l) => l.t >= 1),
    ];
    const doc = analyzeRecordingLines(header, withNotes);
    expect(doc.annotations).toEqual([{ t: 1, text: 'fine' }]);
    const left = doc.warnings.filter((w) => w.includes('annotation left out'));
    expect(left).toHaveLength(3);
    expect(left.join(' ')).not.toContain('SECRET');
  });
});
