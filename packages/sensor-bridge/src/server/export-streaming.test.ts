// Exports of long recordings (stored-analysis.ts, export-routes.ts, work-slots.ts) at a small scale:
// the streamed analysis gives exactly what the in-memory analysis gives (also when it needs its second,
// offline-calibrated pass), and exports and replays beyond their limits are refused with 503. The
// memory and latency targets on a 4-hour recording are a benchmark (bench/long-export.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { analyzeRecordingLines, createSessionAnalyzer } from '@hinge/analysis';
import type { AngleSample, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { simulateSession } from '@hinge/simulator';
import { writeRecordingFile } from '../recording/writer';
import { buildApp, realAnalysis } from './app';
import { AngleFileSink, HeldBackAngles, ThinnedAngles, analyzeStoredRecording, readAngleFile, realOfflinePass, AnalysisAborted } from './stored-analysis';
import { runExportInWorker, runExportJob, type ExportJob } from './export-jobs';
import { CSV_DECIMAL_COMMA } from './exports';
import { readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { standinAnalysis } from '../../test/standin-analysis';
import { pdfText } from '../../test/pdf-text';
import { CLIENT_HEADER } from './request-guard';

let dir: string;
const apps: FastifyInstance[] = [];
const recordings: Record<string, { header: RecordingHeader; lines: RecordingLine[]; file: string }> = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hinge-export-test-'));
  const scripts = {
    // Stands still first: calibrated in the first pass.
    calibrated: [{ kind: 'stand', durationS: 3 }, { kind: 'hinge' }, { kind: 'stand', durationS: 2 }, { kind: 'hinge' }, { kind: 'stand', durationS: 2 }],
    // Never still long enough: the analysis needs its second pass from the best still stand.
    uncalibrated: [{ kind: 'sway', durationS: 3 }, { kind: 'hinge' }, { kind: 'stand', durationS: 0.8 }, { kind: 'hinge' }, { kind: 'sway', durationS: 2 }],
  } as const;
  for (const [name, script] of Object.entries(scripts)) {
    const { header, lines } = simulateSession({ seed: 11, script: [...script] });
    const file = path.join(dir, `${name}.jsonl`);
    await writeRecordingFile(file, header, lines);
    recordings[name] = { header, lines, file };
  }
  // A minute of standing and hinging for the server tests (12,000 lines).
  const long = simulateSession({ seed: 5, script: [{ kind: 'stand', durationS: 3 }, ...Array.from({ length: 10 }, () => [{ kind: 'hinge' as const }, { kind: 'stand' as const, durationS: 2 }]).flat()] });
  await writeRecordingFile(path.join(dir, 'long.jsonl'), long.header, long.lines);
});
afterEach(async () => {
  while (apps.length > 0) await apps.pop()?.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function allSamples(batches: AsyncIterable<AngleSample[]>): Promise<AngleSample[]> {
  const out: AngleSample[] = [];
  for await (const batch of batches) out.push(...batch);
  return out;
}

describe('the streamed stored analysis', () => {
  for (const name of ['calibrated', 'uncalibrated']) {
    it(`equals the in-memory analysis, angles included (${name} recording)`, async () => {
      const { header, lines, file } = recordings[name]!;
      // The precondition: which of the two paths this recording takes.
      const probe = createSessionAnalyzer(header, {}, { maxPendingAngles: 0, findBestStill: true });
      for (const line of lines) probe.push(line);
      probe.finish();
      expect(probe.offlineNeutral() !== null).toBe(name === 'uncalibrated');

      const expected = analyzeRecordingLines(header, lines, {}, { angles: true });
      const sink = new AngleFileSink(path.join(dir, `${name}.angles`));
      const { doc } = await analyzeStoredRecording(file, () => ({}), realAnalysis.createOfflinePass, { angles: sink });
      await sink.close();
      const { angles, ...withoutAngles } = expected;
      expect(doc).toEqual(withoutAngles);
      const streamed = await allSamples(readAngleFile(sink.file));
      expect(streamed.map((s) => s.t)).toEqual(angles!.t);
      expect(streamed.map((s) => s.lumbarDeg)).toEqual(angles!.lumbarDeg);
      expect(streamed.map((s) => s.pelvisDeg)).toEqual(angles!.pelvisDeg);
      expect(streamed.map((s) => s.trunkDeg)).toEqual(angles!.trunkDeg);
      expect(streamed.filter((s) => s.lumbarDeg !== null).length).toBeGreaterThan(streamed.length / 2);
    });
  }

  it('an output that cannot take angles back (the CLI) gets each sample once: the second pass\'s when there is one', async () => {
    for (const name of ['calibrated', 'uncalibrated']) {
      const { header, lines, file } = recordings[name]!;
      const expected = analyzeRecordingLines(header, lines, {}, { angles: true }).angles!;
      const out: AngleSample[] = [];
      await analyzeStoredRecording(file, () => ({}), realOfflinePass, { angles: new HeldBackAngles(async (samples) => void out.push(...samples), 6000) });
      expect(out.map((s) => s.t)).toEqual(expected.t);
      expect(out.map((s) => s.lumbarDeg)).toEqual(expected.lumbarDeg);
    }
  });

  it('the chart series keeps a bounded, evenly thinned subset in time order', async () => {
    const thinned = new ThinnedAngles(100);
    const samples = Array.from({ length: 10_001 }, (_, i) => ({ t: i / 100, pelvisDeg: i, trunkDeg: null, lumbarDeg: -i }));
    for (let i = 0; i < samples.length; i += 777) thinned.write(samples.slice(i, i + 777));
    const { t, pelvisDeg } = thinned.series;
    expect(t.length).toBeGreaterThanOrEqual(100);
    expect(t.length).toBeLessThan(200);
    const stride = pelvisDeg[1]! - pelvisDeg[0]!;
    expect(pelvisDeg.every((v, i) => v === i * stride)).toBe(true);
  });
});

describe('export jobs in a worker thread (the real analysis)', () => {
  const rowSettings = realAnalysis.defaultSettings;
  it('give what they give in this thread: the document, and the CSV, JSON, MCAP and report PDF files', async () => {
    const file = recordings.uncalibrated!.file;
    const createdAt = '2026-12-05T09:00:00.000Z';
    const report = {
      patient: { id: 'p_1', name: 'Łukasz Żółć', clinicId: null, notes: '', createdAt },
      session: { id: 's_1', patientId: 'p_1', label: 'week 1', status: 'stopped', createdAt, startedAt: createdAt, endedAt: '2026-12-05T09:05:00.000Z', settings: rowSettings, sets: [], summary: null },
      reps: [],
    } as unknown as Extract<ExportJob, { kind: 'report-pdf' }>['report'];
    const options = { language: 'en' as const, timeZone: 'Europe/Berlin', now: new Date(createdAt) };
    const jobs: ExportJob[] = [
      { kind: 'analysis', file, rowSettings },
      { kind: 'angles-csv', file, rowSettings, out: path.join(dir, 'a.csv'), format: CSV_DECIMAL_COMMA },
      { kind: 'angles-json', file, rowSettings, out: path.join(dir, 'a.json') },
      { kind: 'mcap', file, rowSettings, out: path.join(dir, 'a.mcap'), reps: [], session: { id: 's_1', settings: rowSettings } },
      { kind: 'report-pdf', out: path.join(dir, 'a.pdf'), recording: { file, rowSettings }, report, options },
      { kind: 'report-pdf', out: path.join(dir, 'b.pdf'), recording: null, report, options },
    ];
    // A PDF carries the time it was made (pdfkit's CreationDate): its text is compared, not its bytes.
    const content = async (out: string) => (out.endsWith('.pdf') ? (await pdfText(readFileSync(out))).pages : readFileSync(out));
    for (const job of jobs) {
      const here = await runExportJob(job, realOfflinePass);
      const hereFile = 'out' in job ? await content(job.out) : null;
      const inWorker = await runExportInWorker(job);
      expect(inWorker).toEqual(here);
      if ('out' in job) expect(await content(job.out)).toEqual(hereFile);
    }
    const [withRecording, without] = [await pdfText(readFileSync(path.join(dir, 'a.pdf'))), await pdfText(readFileSync(path.join(dir, 'b.pdf')))];
    // Both name the patient; only the one with a recording has its analysis (the settings changed during it).
    for (const text of [withRecording, without].map((r) => r.pages.join('\n'))) expect(text).toContain('Łukasz Żółć');
    expect(withRecording.pages.join('\n')).toContain('Changed during the session');
    expect(without.pages.join('\n')).not.toContain('Changed during the session');
    expect(threadId).toBe(0); // nothing above ran a worker's code in this thread by mistake
  }, 180_000); // each worker loads the TypeScript sources through tsx (the bundle loads in a blink)

  it('a failure comes back as the error it is (a bad header names the file and line); an abort stops the worker at once', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    (await import('node:fs')).writeFileSync(bad, 'not a header\n');
    await expect(runExportInWorker({ kind: 'analysis', file: bad, rowSettings })).rejects.toMatchObject({ code: 'HINGE_ERR_RECORDING_LINE', line: 1 });
    const abort = new AbortController();
    const running = runExportInWorker({ kind: 'analysis', file: path.join(dir, 'long.jsonl'), rowSettings }, abort.signal);
    setTimeout(() => abort.abort(), 50);
    const startMs = performance.now();
    await expect(running).rejects.toBeInstanceOf(AnalysisAborted);
    expect(performance.now() - startMs).toBeLessThan(2000);
  }, 60_000);
});

describe('limits on exports and replays', () => {
  async function makeApp(options: { maxConcurrentExports?: number; maxConcurrentReplays?: number }) {
    const app = await buildApp({ dataDir: mkdtempSync(path.join(dir, 'data-')), replayDirs: [dir], analysis: standinAnalysis, ...options });
    apps.push(app);
    return app;
  }
  async function session(app: FastifyInstance, source?: object) {
    const patient = (await app.inject({ method: 'POST', url: '/api/patients', payload: { name: 'Ada' } })).json();
    return app.inject({ method: 'POST', url: '/api/sessions', payload: { patientId: patient.id, ...(source ? { source } : {}) } });
  }

  it('an export beyond the limit answers 503 HINGE_ERR_BUSY with Retry-After; once the first is done it runs', async () => {
    const app = await makeApp({ maxConcurrentExports: 1 });
    const created = (await session(app, { kind: 'replay', recording: 'long.jsonl', speed: 100 })).json();
    expect(created.id).toEqual(expect.any(String));
    for (let i = 0; i < 300 && (await app.inject({ url: `/api/sessions/${created.id}` })).json().status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 50));
    const first = app.inject({ url: `/api/sessions/${created.id}/export/angles.csv` });
    for (let i = 0; i < 1000 && app.bridge.exportSlots.active === 0; i++) await new Promise((r) => setImmediate(r));
    expect(app.bridge.exportSlots.active).toBe(1);
    const refused = await app.inject({ url: `/api/sessions/${created.id}/analysis` });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json()).toMatchObject({ code: 'HINGE_ERR_BUSY' });
    expect(refused.json().message).toMatch(/^[^\n]+$/);
    const csv = await first;
    expect(csv.statusCode).toBe(200);
    // The stand-in analysis gives one angle per sacrum sample: 100 Hz for 60 s and more.
    expect(csv.body.split('\n').length).toBeGreaterThan(6000);
    expect(app.bridge.exportSlots.active).toBe(0);
    expect((await app.inject({ url: `/api/sessions/${created.id}/analysis` })).statusCode).toBe(200);
  });

  it('a replay beyond the limit answers 503 HINGE_ERR_BUSY; stopping one frees its slot', async () => {
    const app = await makeApp({ maxConcurrentReplays: 1 });
    const replay = { kind: 'replay', recording: 'long.jsonl', loop: true };
    const first = await session(app, replay);
    expect(first.statusCode).toBe(201);
    const second = await session(app);
    const refused = await app.inject({ method: 'PUT', url: `/api/sessions/${second.json().id}/source`, payload: replay });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ code: 'HINGE_ERR_BUSY' });
    expect(refused.headers['retry-after']).toBe('5');
    await app.inject({ method: 'POST', url: `/api/sessions/${first.json().id}/stop`, headers: { [CLIENT_HEADER]: 'test' } });
    expect((await app.inject({ method: 'PUT', url: `/api/sessions/${second.json().id}/source`, payload: replay })).statusCode).toBe(200);
  });
});
