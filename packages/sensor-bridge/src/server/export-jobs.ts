// The heavy part of an export of a stored session: the offline analysis of its recording and, for the
// angle series, MCAP and the report PDF, writing the export into the job's folder (the route then
// streams that file). With the real analysis it runs in a worker thread (runExportInWorker), one per export:
// - the live sessions' event loop is not shared with it (the report's PDF alone, pdfkit with its
//   embedded fonts, held the loop 120-450 ms when it ran there);
// - its heap is its own and capped. The analysis keeps each sample for some
//   seconds of recording time, long enough to be promoted to the old generation, where it dies; with the
//   bridge's default heap V8 let that garbage grow to ~4x the live set before collecting it (a 4-hour
//   export took the bridge from 225 to 400 MB). A small heap of its own (EXPORT_WORKER_OLD_HEAP_MB) is
//   collected before it grows, and the worker's memory is returned when it exits;
// - an export that runs out of memory fails alone (a 500 for that request), never the bridge.
// A stand-in analysis (tests) runs in-process: functions cannot be sent to a worker.
// What only one kind of job needs (pdfkit and its fonts, the MCAP writer and zstd, csv-stringify) is
// imported when a job of that kind runs: each costs a worker (and the bridge) several MB at load, pdfkit 25.
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalysisDocument, AngleSample, PatientSettings, RepRecord } from '@hinge/protocol';
import { RecordingLineError, openRecording } from '../recording/reader';
import type { ReportInput, ReportOptions } from '../report/report-pdf';
import type { CsvFormat } from './exports';
import { legacySettings } from './recovery';
import { AnalysisAborted, AngleFileSink, ThinnedAngles, analyzeStoredRecording, readAngleFile, type OfflinePassFactory } from './stored-analysis';

/**
 * Heap limits of an export worker, MB. A 4-hour analysis keeps ~11 MB alive (worker heap after each
 * mark-compact, --trace-gc); V8 collects the old generation at about twice that, so 32 leaves ~3x the
 * live set (what grows with the session is the reps and warnings, ~1 KB per rep). Young generation 8
 * instead of the default (3 x 16 MB semi-spaces): no slower here, and with 32/8 two MCAP exports at once
 * peaked at 302 MB against 345 with 48/16 (bench/long-export.ts, docs/benchmarks.md).
 */
export const EXPORT_WORKER_OLD_HEAP_MB = 32;
export const EXPORT_WORKER_YOUNG_HEAP_MB = 8;
/**
 * Old-generation limit of a report job, MB: the PDF (pdfkit, its fonts, the rep table and charts) is
 * alive beside the analysis. With 32, a 4-hour recording and 1000 reps took 28 s instead of 14
 * (collecting all the time) and 3000 reps ran out of memory; with 64 they took 16 and 21 s (peak +77 MB).
 */
export const REPORT_WORKER_OLD_HEAP_MB = 64;

/** Points of the report's angle chart (a thinned series; the chart draws at most 800). */
const REPORT_CHART_POINTS = 800;

/** A session's recording (this station's file or a reassembled copy), and the settings it is analysed with. */
export interface RecordingRef {
  file: string;
  /** The session's stored settings: they apply to recordings whose header has none (legacySettings). */
  rowSettings: PatientSettings;
}
export type ExportJob =
  | (RecordingRef &
      (
        | { kind: 'analysis' }
        /** The angle series as the JSON of an AngleSeries, to `out`. */
        | { kind: 'angles-json'; out: string }
        | { kind: 'angles-csv'; out: string; format: CsvFormat }
        | { kind: 'mcap'; out: string; reps: RepRecord[]; session: { id: string; settings: PatientSettings } }
      ))
  /**
   * The report PDF, to `out`; its angle chart, settings changes and notes come from the recording
   * (left out when the session has no recording).
   */
  | { kind: 'report-pdf'; out: string; recording: RecordingRef | null; report: Pick<ReportInput, 'patient' | 'session' | 'reps'>; options: ReportOptions };

/** What an export job gives back besides its file: the analysis of the recording (null: the job had none). */
export interface ExportResult {
  doc: AnalysisDocument | null;
}

/** The angle file as the JSON of an AngleSeries (`{"t":[...],"pelvisDeg":[...],...}`), one column after the other. */
async function* angleSeriesJson(file: string): AsyncGenerator<string> {
  const keys = ['t', 'pelvisDeg', 'trunkDeg', 'lumbarDeg'] as const;
  for (const [i, key] of keys.entries()) {
    yield `${i === 0 ? '{' : '],'}${JSON.stringify(key)}:[`;
    let first = true;
    for await (const batch of readAngleFile(file)) {
      if (batch.length === 0) continue;
      yield (first ? '' : ',') + batch.map((s: AngleSample) => JSON.stringify(s[key])).join(',');
      first = false;
    }
  }
  yield ']}';
}

/** Runs an export job in this thread. `signal` stops it (AnalysisAborted). */
export async function runExportJob(job: ExportJob, createPass: OfflinePassFactory, signal?: AbortSignal): Promise<ExportResult> {
  const analyze = async (recording: RecordingRef, angles?: AngleFileSink | ThinnedAngles) =>
    (await analyzeStoredRecording(recording.file, (header) => legacySettings(header, { settings: recording.rowSettings }), createPass, { ...(signal ? { signal } : {}), ...(angles ? { angles } : {}) })).doc;
  if (job.kind === 'report-pdf') {
    const chart = new ThinnedAngles(REPORT_CHART_POINTS);
    const doc = job.recording ? await analyze(job.recording, chart) : null;
    const input: ReportInput = { ...job.report, angles: doc ? chart.series : null, settingsChanges: doc ? (doc.settingsChanges ?? []) : null, annotations: doc ? (doc.annotations ?? []) : null };
    const { writeReportPdf } = await import('../report/report-pdf');
    await writeFile(job.out, await writeReportPdf(input, job.options), { mode: 0o600, ...(signal ? { signal } : {}) });
    return { doc };
  }
  if (job.kind === 'analysis') return { doc: await analyze(job) };
  const sink = new AngleFileSink(`${job.out}.angles`);
  let doc: AnalysisDocument;
  try {
    doc = await analyze(job, sink);
  } finally {
    await sink.close();
  }
  if (job.kind === 'angles-json') await pipeline(Readable.from(angleSeriesJson(sink.file)), createWriteStream(job.out, { mode: 0o600 }), ...(signal ? [{ signal }] : []));
  else if (job.kind === 'angles-csv') {
    const { anglesCsv } = await import('./exports');
    await pipeline(anglesCsv(readAngleFile(sink.file), job.format), createWriteStream(job.out, { mode: 0o600 }), ...(signal ? [{ signal }] : []));
  } else {
    const { writeMcap } = await import('./mcap-export');
    const recording = await openRecording(job.file, { mode: 'lenient' });
    await writeMcap(job.out, { header: recording.header, lines: recording.batches, angles: readAngleFile(sink.file), reps: job.reps, session: job.session });
  }
  return { doc };
}

// ---- in a worker ------------------------------------------------------------------------------------

/** A failure as the worker sends it back: enough to rebuild the error the route maps to a reply. */
export interface WorkerFailure {
  message: string;
  code?: string;
  line?: { file: string; line: number; reason: string };
}

export function describeFailure(error: unknown): WorkerFailure {
  if (error instanceof RecordingLineError) return { message: error.message, code: error.code, line: { file: error.file, line: error.line, reason: error.reason } };
  const e = error as Error & { code?: unknown };
  return { message: String(e?.message ?? error), ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}

function rebuildFailure(failure: WorkerFailure): Error {
  if (failure.line) return new RecordingLineError(failure.line.file, failure.line.line, failure.line.reason);
  return Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
}

const here = import.meta.url;

/** The worker: the bundle's export-worker.mjs beside this chunk, or (sources run by tsx: dev, tests, benches) the .ts with tsx registered first. */
function startWorker(job: ExportJob): Worker {
  const maxOldGenerationSizeMb = job.kind === 'report-pdf' ? REPORT_WORKER_OLD_HEAP_MB : EXPORT_WORKER_OLD_HEAP_MB;
  const options = { workerData: job, resourceLimits: { maxOldGenerationSizeMb, maxYoungGenerationSizeMb: EXPORT_WORKER_YOUNG_HEAP_MB } };
  if (!here.endsWith('.ts')) return new Worker(new URL('./export-worker.mjs', here), options);
  // tsx's ESM API (its package's own exports map), registered in the worker before the .ts entry loads.
  const require = createRequire(fileURLToPath(here));
  const tsxPackage = require.resolve('tsx/package.json');
  const api = (require(tsxPackage) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const tsx = pathToFileURL(path.join(path.dirname(tsxPackage), api)).href;
  const entry = new URL('./export-worker.ts', here).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, { ...options, eval: true });
}

/** Runs an export job with the real analysis in a worker thread of its own; `signal` terminates it (AnalysisAborted). */
export async function runExportInWorker(job: ExportJob, signal?: AbortSignal): Promise<ExportResult> {
  if (signal?.aborted) throw new AnalysisAborted();
  const worker = startWorker(job);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const stop = () => void worker.terminate();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await new Promise<ExportResult>((resolve, reject) => {
      worker.once('message', (m: { result: ExportResult } | { failure: WorkerFailure }) => ('result' in m ? resolve(m.result) : reject(rebuildFailure(m.failure))));
      worker.once('error', reject); // out of memory, or the worker did not start
      void exited.then(() => reject(signal?.aborted ? new AnalysisAborted() : new Error('the export worker stopped without a result')));
    });
  } finally {
    signal?.removeEventListener('abort', stop);
    void worker.terminate();
    await exited; // its memory is given back before the export slot is
  }
}
