// Offline analysis of a stored recording for the exports (/analysis, /angles, angles.csv, report.pdf,
// session.mcap) and for recovery: the file is streamed through the analysis, never held whole, and the
// work is cut into slices of at most SLICE_LINES lines with a turn of the event loop between them, so
// live sessions keep their latency while a 4-hour recording is analysed. Angles go to a sink as they
// come (a temporary file, or a thinned series for a chart): memory does not grow with the recording.
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AnalysisDocument, AngleSample, AngleSeries, PatientSettings, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { openRecording, type ReadStats } from '../recording/reader';

/** One streaming pass of the offline analysis (the public analyzer of @hinge/analysis, or a stand-in in tests). */
export interface OfflinePass {
  push(line: RecordingLine): void;
  takeAngles(): AngleSample[];
  takeEvents(): unknown[];
  finish(): AnalysisDocument;
  /** After finish(): the neutral a second pass must start from, or null when this pass was calibrated in time. */
  offlineNeutral(): unknown;
}

/** `overrides` replace the header's settings at t = 0; `neutral` (a first pass's offlineNeutral()) starts a second pass. */
export type OfflinePassFactory = (
  header: RecordingHeader,
  overrides: Partial<PatientSettings>,
  options: { angles: boolean; neutral: unknown },
) => OfflinePass;

/** Where the angle samples of a pass go. A second pass (offline calibration) starts the sink over. */
export interface AngleSink {
  write(samples: AngleSample[]): Promise<void> | void;
  restart(): Promise<void> | void;
}

/** Lines analysed between two turns of the event loop (~1-3 ms of work). */
export const SLICE_LINES = 256;

export interface StoredAnalysis {
  header: RecordingHeader;
  doc: AnalysisDocument;
  stats: ReadStats;
}

/** Stopped by its AbortSignal (the client went away). */
export class AnalysisAborted extends Error {
  constructor() {
    super('analysis stopped: the request was closed');
  }
}

/**
 * Analyses a recording file, streaming (lenient reading: bad lines are skipped). Runs a second pass from
 * the best still stand when the first found no calibration in time, as `hinge analyze` does.
 */
export async function analyzeStoredRecording(
  file: string,
  overrides: (header: RecordingHeader) => Partial<PatientSettings>,
  createPass: OfflinePassFactory,
  options: { angles?: AngleSink; signal?: AbortSignal } = {},
): Promise<StoredAnalysis> {
  const sink = options.angles;
  const run = async (neutral: unknown) => {
    const recording = await openRecording(file, { mode: 'lenient' });
    const pass = createPass(recording.header, overrides(recording.header), { angles: sink !== undefined, neutral });
    for await (const batch of recording.batches) {
      for (let start = 0; start < batch.length; start += SLICE_LINES) {
        if (options.signal?.aborted) throw new AnalysisAborted();
        const end = Math.min(batch.length, start + SLICE_LINES);
        for (let i = start; i < end; i++) pass.push(batch[i]!);
        pass.takeEvents(); // not needed here; taken so they do not pile up
        if (sink) await sink.write(pass.takeAngles());
        await nextTurn();
      }
    }
    const doc = pass.finish();
    if (sink) await sink.write(pass.takeAngles());
    return { header: recording.header, doc, stats: recording.stats, neutral: neutral === null ? pass.offlineNeutral() : null };
  };
  let result = await run(null);
  if (result.neutral !== null) {
    await sink?.restart();
    result = await run(result.neutral);
  }
  return { header: result.header, doc: result.doc, stats: result.stats };
}

// ---- angle sinks ------------------------------------------------------------------------------------

/** Bytes per angle sample in an angle file: t, pelvisDeg, trunkDeg, lumbarDeg as float64 (NaN = null). */
const ANGLE_RECORD_BYTES = 32;
/** Samples per write and per read of an angle file. */
const ANGLE_FILE_BATCH = 4096;

/** Angle samples to a temporary binary file (32 bytes each), read back in order by readAngleFile. */
export class AngleFileSink implements AngleSink {
  private out: WriteStream;
  constructor(readonly file: string) {
    this.out = createWriteStream(file, { mode: 0o600 });
  }
  async write(samples: AngleSample[]): Promise<void> {
    if (samples.length === 0) return;
    const values = new Float64Array(samples.length * 4);
    samples.forEach((s, i) => values.set([s.t, s.pelvisDeg ?? NaN, s.trunkDeg ?? NaN, s.lumbarDeg ?? NaN], i * 4));
    if (!this.out.write(new Uint8Array(values.buffer))) await once(this.out, 'drain');
  }
  async restart(): Promise<void> {
    await this.close();
    this.out = createWriteStream(this.file, { mode: 0o600 });
  }
  async close(): Promise<void> {
    if (this.out.closed) return;
    this.out.end();
    await once(this.out, 'close');
  }
}

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** The samples of an angle file, in batches. */
export async function* readAngleFile(file: string): AsyncGenerator<AngleSample[]> {
  let rest = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: ANGLE_RECORD_BYTES * ANGLE_FILE_BATCH }) as AsyncIterable<Buffer>) {
    const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    const whole = data.length - (data.length % ANGLE_RECORD_BYTES);
    const copy = new Float64Array(whole / 8);
    new Uint8Array(copy.buffer).set(data.subarray(0, whole));
    rest = Buffer.from(data.subarray(whole));
    const out: AngleSample[] = [];
    for (let i = 0; i < copy.length; i += 4) {
      out.push({ t: copy[i]!, pelvisDeg: orNull(copy[i + 1]!), trunkDeg: orNull(copy[i + 2]!), lumbarDeg: orNull(copy[i + 3]!) });
    }
    yield out;
  }
}

/**
 * A thinned angle series for a chart: at most 2 x `maxPoints` samples, evenly spaced in sample count.
 * When full, every other sample is dropped and the stride doubles, so the memory is fixed.
 */
export class ThinnedAngles implements AngleSink {
  series: AngleSeries = { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [] };
  private stride = 1;
  private seen = 0;
  constructor(private readonly maxPoints: number) {}
  write(samples: AngleSample[]): void {
    for (const s of samples) {
      if (this.seen++ % this.stride !== 0) continue;
      this.series.t.push(s.t);
      this.series.pelvisDeg.push(s.pelvisDeg);
      this.series.trunkDeg.push(s.trunkDeg);
      this.series.lumbarDeg.push(s.lumbarDeg);
      if (this.series.t.length >= 2 * this.maxPoints) this.halve();
    }
  }
  restart(): void {
    this.series = { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [] };
    this.stride = 1;
    this.seen = 0;
  }
  private halve(): void {
    const every = <T>(values: T[]) => values.filter((_, i) => i % 2 === 0);
    this.series = { t: every(this.series.t), pelvisDeg: every(this.series.pelvisDeg), trunkDeg: every(this.series.trunkDeg), lumbarDeg: every(this.series.lumbarDeg) };
    this.stride *= 2;
  }
}
