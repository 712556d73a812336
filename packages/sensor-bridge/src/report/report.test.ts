// The PDF report and the CSV sidecar through REST (inject), on a replayed simulated session with the
// mechanical stand-in analysis: the PDF's text (read back with pdfjs-dist) names the patient, the local
// date, settings, sets, faults and notes; the CSV exports take a decimal-comma option.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app';
import { CLIENT_HEADER } from '../server/request-guard';
import { standinAnalysis } from '../../test/standin-analysis';
import { simulateSession } from '@hinge/simulator';
import { writeRecordingFile } from '../recording/writer';
import { REPORT_RESOURCES } from './report-text';
import { REPORT_DATE_FORMAT, writeReportPdf } from './report-pdf';
import { pdfText } from '../../test/pdf-text';
import { bridgeTimeZone } from './local-time';

const dirs: string[] = [];
let app: FastifyInstance;
let sessionId: string;

beforeAll(async () => {
  const fixtureDir = mkdtempSync(path.join(tmpdir(), 'hinge-report-fixture-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hinge-report-data-'));
  dirs.push(fixtureDir, dataDir);
  const script = [{ kind: 'stand', durationS: 3 }, { kind: 'hinge' }, { kind: 'stand', durationS: 2 }, { kind: 'hinge' }, { kind: 'stand', durationS: 3 }] as const;
  const { header, lines } = simulateSession({ seed: 7, script: [...script] });
  await writeRecordingFile(path.join(fixtureDir, 'short.jsonl'), header, lines);
  app = await buildApp({ dataDir, replayDirs: [fixtureDir], analysis: standinAnalysis });

  const patient = await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Jürgen Weiß', clinicId: 'KL-0042', notes: 'Sitting tolerance 20 min.' } });
  expect(patient.json()).toMatchObject({ clinicId: 'KL-0042' });
  const created = await app.inject({
    method: 'POST',
    url: '/api/sessions',
    payload: { patientId: patient.json().id, label: 'week 2', settings: { painLevel: 3, load: 'dowel', lumbarLimitDeg: 20, targetReps: 6, targetSets: 2 } },
  });
  sessionId = created.json().id;
  await app.inject({ method: 'PUT', url: `/api/sessions/${sessionId}/source`, payload: { kind: 'replay', recording: 'short.jsonl', speed: 20 } });
  // Bodiless state changes carry the client header (request-guard.ts), as the dashboard sends it.
  const control = (action: string) => app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/${action}`, headers: { [CLIENT_HEADER]: 'test' } });
  expect((await control('sets/start')).statusCode).toBe(200);
  const end = Date.now() + 10_000;
  while ((await app.inject({ url: `/api/sessions/${sessionId}` })).json().repCount < 2) {
    if (Date.now() > end) throw new Error('no reps within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  expect((await control('stop')).json().status).toBe('stopped');
});

afterAll(async () => {
  await app?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('pain after a session', () => {
  it('is stored and returned with the session; out-of-range values are refused', async () => {
    const bad = await app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/pain`, payload: { phase: 'after', scoreNrs: 11 } });
    expect(bad.statusCode).toBe(400);
    const ok = await app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/pain`, payload: { phase: 'after', scoreNrs: 5 } });
    expect(ok.statusCode).toBe(200);
    // Before: the pain setting of the session (3) until a "before" report says otherwise.
    expect(ok.json()).toMatchObject({ painBefore: 3, painAfter: 5 });
    expect((await app.inject({ url: `/api/sessions?patientId=${ok.json().patientId}` })).json()[0]).toMatchObject({ painBefore: 3, painAfter: 5 });
  });
});

describe('GET /api/sessions/:id/export/report.pdf', () => {
  it('is a PDF whose text holds the patient, local date, settings, sets, faults and notes (German)', async () => {
    await app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/pain`, payload: { phase: 'after', scoreNrs: 4 } });
    const reply = await app.inject({ url: `/api/sessions/${sessionId}/export/report.pdf?lang=de&tz=Europe/Berlin` });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('application/pdf');
    expect(reply.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const { pages, title } = await pdfText(reply.rawPayload);
    const text = pages.join('\n');
    const session = (await app.inject({ url: `/api/sessions/${sessionId}` })).json();
    expect(title).toContain('Jürgen Weiß');
    expect(text).toContain('Bericht Hüftbeuge: Jürgen Weiß');
    expect(text).toContain('KL-0042');
    expect(text).toContain('week 2');
    // The start in Berlin time, as the clinic reads it (CET/CEST), not the UTC clock time.
    const berlin = new Intl.DateTimeFormat('de', { ...REPORT_DATE_FORMAT, timeZone: 'Europe/Berlin' }).format(new Date(session.startedAt));
    expect(berlin).toMatch(/MEZ|MESZ/);
    expect(text).toContain(berlin);
    expect(text).toMatch(/Schmerz vorher\s+3\/10/);
    expect(text).toContain('Keine Änderungen.');
    expect(text).toMatch(/Schmerz nachher\s+4\/10/);
    expect(text).toMatch(/Lendengrenze\s+20,0°/);
    expect(text).toContain('Stab');
    expect(text).toMatch(new RegExp(`Wiederholungen\\s+${session.reps.length}`));
    expect(text).toContain('Satz');
    expect(text).toContain('Sitting tolerance 20 min.');
    for (const rep of session.reps.filter((r: { faults: string[] }) => r.faults.length > 0)) expect(text).toContain(`Wiederholung ${rep.index}:`);
  });

  it("defaults to English and the bridge's own time zone, and refuses an unknown time zone with a code", async () => {
    const reply = await app.inject({ url: `/api/sessions/${sessionId}/export/report.pdf` });
    const text = (await pdfText(reply.rawPayload)).pages.join('\n');
    expect(text).toContain('Hip hinge report: Jürgen Weiß');
    const session = (await app.inject({ url: `/api/sessions/${sessionId}` })).json();
    expect(text).toContain(new Intl.DateTimeFormat('en', { ...REPORT_DATE_FORMAT, timeZone: bridgeTimeZone() }).format(new Date(session.startedAt)));
    const bad = await app.inject({ url: `/api/sessions/${sessionId}/export/report.pdf?tz=Mars/Olympus` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('HINGE_ERR_BAD_TIME_ZONE');
  });

  it('of a running session shows its figures so far', async () => {
    const patient = { id: 'p1', name: 'Ada', clinicId: null, notes: '', createdAt: '2026-12-04T08:00:00Z' };
    const rep = { index: 1, setIndex: null, start: 1, bottom: 2, end: 3, peakTrunkDeg: 60, peakPelvisDeg: 50, peakLumbarDeg: 24.5, hipShare: 0.8, descentS: 1, ascentS: 1, faults: ['lumbar-rounding' as const], faultDetails: [{ fault: 'lumbar-rounding' as const, message: '', values: { peakLumbarDeg: 24.5, limitDeg: 20 } }] };
    const settings = { painLevel: null, load: 'none' as const, lumbarLimitDeg: 20, tempoMinS: 1, targetReps: 10, targetSets: 3 };
    const session = { id: 's1', patientId: 'p1', label: '', exercise: 'hip-hinge', status: 'live' as const, settings, source: null, capabilities: [], createdAt: patient.createdAt, startedAt: patient.createdAt, endedAt: null, t: 30, calibration: null, activeSet: null, sets: [], repCount: 1, setRepCount: 0, summary: null, warnings: [], station: null };
    const pdf = await writeReportPdf({ patient, session, reps: [rep], angles: null, settingsChanges: null }, { language: 'en', timeZone: 'UTC' });
    const text = (await pdfText(pdf)).pages.join('\n');
    expect(text).toContain('Running: the figures so far.');
    expect(text).toMatch(/Reps\s+1/);
    expect(text).toMatch(/Peak lumbar flexion, max\s+24\.5°/);
    expect(text).toContain('Rep 1: lumbar rounding (peakLumbarDeg 24.5°, limitDeg 20.0°)');
    expect(text).toMatch(/Duration\s+0:30/);
  });
});

describe('report fonts', () => {
  it('print names beyond Latin-1 (Polish, Czech, Greek, Cyrillic) as themselves, in the text and the bold title', async () => {
    const names = ['Łukasz Żółć', 'Antonín Dvořák', 'Ελένη Παπαδοπούλου', 'Дмитрий Шостакович'];
    for (const name of names) {
      const patient = { id: 'p1', name, clinicId: null, notes: `Notiz für ${name}: Übung „langsam“ – ½ Satz`, createdAt: '2026-12-04T08:00:00Z' };
      const settings = { painLevel: null, load: 'none' as const, lumbarLimitDeg: 20, tempoMinS: 1, targetReps: 10, targetSets: 3 };
      const session = { id: 's1', patientId: 'p1', label: '', exercise: 'hip-hinge', status: 'stopped' as const, settings, source: null, capabilities: [], createdAt: patient.createdAt, startedAt: patient.createdAt, endedAt: '2026-12-04T08:10:00Z', t: 600, calibration: null, activeSet: null, sets: [], repCount: 0, setRepCount: 0, summary: null, warnings: [], station: null };
      const settingsChanges = [
        { t: 95, setting: 'lumbarLimitDeg' as const, from: 20, to: 25 },
        { t: 95, setting: 'load' as const, from: 'none', to: 'dowel' },
      ];
      const annotations = [{ t: 130, text: `${name} meldet Schmerz 4/10` }];
      const pdf = await writeReportPdf({ patient, session, reps: [], angles: null, settingsChanges, annotations }, { language: 'de', timeZone: 'Europe/Warsaw' });
      const text = (await pdfText(pdf)).pages.join('\n');
      // The clinician's notes during the session, with their time.
      expect(text).toContain('Notizen während der Sitzung');
      expect(text).toContain(`bei 2:10: ${name} meldet Schmerz 4/10`);
      // The settings history: when, which, from what to what.
      expect(text).toContain('bei 1:35: Lendengrenze 20,0° -> 25,0°');
      expect(text).toContain('bei 1:35: Last ohne Last -> Stab');
      expect(text).toContain(`Bericht Hüftbeuge: ${name}`);
      expect(text).toContain(`Notiz für ${name}: Übung „langsam“ – ½ Satz`);
      // The font is embedded (a subset of its glyphs), so the file stays small.
      expect(pdf.toString('latin1')).toMatch(/\/FontFile2/);
      expect(pdf.length).toBeLessThan(200_000);
    }
  });
});

describe('CSV exports', () => {
  it('take a decimal-comma option (semicolon cells) and have a sidecar naming patient, session and units', async () => {
    const comma = (await app.inject({ url: `/api/sessions/${sessionId}/export/reps.csv?decimal=comma` })).body.trim().split('\n');
    expect(comma[0]).toBe('index;set;start;bottom;end;peakTrunkDeg;peakPelvisDeg;peakLumbarDeg;peakLumbarUncertaintyDeg;hipShare;descentS;ascentS;lumbar-rounding;knee-dominant;too-fast');
    expect(comma[1]).toMatch(/^1;1;\d+(,\d+)?;/);
    expect(comma[1]).not.toContain('.');
    const angles = (await app.inject({ url: `/api/sessions/${sessionId}/export/angles.csv?decimal=comma` })).body.split('\n');
    expect(angles[0]).toBe('t;pelvisDeg;trunkDeg;lumbarDeg');
    expect(angles[5]).toMatch(/^\d+,\d+;/);
    const about = (await app.inject({ url: `/api/sessions/${sessionId}/export/about.json` })).json();
    expect(about.patient).toMatchObject({ name: 'Jürgen Weiß', clinicId: 'KL-0042' });
    expect(about.session).toMatchObject({ id: sessionId, label: 'week 2' });
    expect(about.units.peakLumbarDeg).toBe('degrees');
    for (const column of about.files['reps.csv']) expect(about.units[column], column).toBeTruthy();
  });
});

describe('report words', () => {
  it('German has every English key', () => {
    expect(Object.keys(REPORT_RESOURCES.de).sort()).toEqual(Object.keys(REPORT_RESOURCES.en).sort());
  });
});
