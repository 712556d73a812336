// Offline analysis of a stored recording, streaming: for the exports (/analysis, /angles, angles.csv,
// report.pdf, session.mcap), for recovery, and for `hinge analyze` / `hinge angles`. The file is never
// held whole, and the work is cut into slices of at most SLICE_LINES lines with a turn of the event
// loop between them, so live sessions keep their latency while a 4-hour recording is analysed. Angles
// go to a sink as they come (a temporary file, a thinned series for a chart, the CLI's output held back
// until calibrated): memory does not grow with the recording.
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AnalysisDocument, AngleSample, AngleSeries, PatientSettings, RecordingHeader, RecordingLine } from '@hinge/protocol';
import { createSessionAnalyzer, type StillRun } from '@hinge/analysis';
import { openRecording, type ReadMode, type ReadStats } from '../recording/reader';

/** One streaming pass of the offline analysis (the public analyzer of @hinge/analysis, or a stand-in in tests). */
export interface OfflinePass {
  push(line: RecordingLine): void;
  takeAngles(): AngleSample[];
  takeEvents(): unknown[];
  finish(): AnalysisDocument;
  /** After finish(): the neutral a second pass must start from, or null when this pass was calibrated in time. */
  offlineNeutral(): unknown;
  /**
   * Known already, during the pass, to be the last one: it has calibrated, in time (offlineNeutral() will be
   * null). False while that is not known; its angles so far may then be replaced by a second pass.
   */
  settled(): boolean;
}

/** `overrides` replace the header's settings at t = 0; `neutral` (a first pass's offlineNeutral()) starts a second pass. */
export type OfflinePassFactory = (
  header: RecordingHeader,
  overrides: Partial<PatientSettings>,
  options: { angles: boolean; neutral: unknown },
) => OfflinePass;

/** The real pass: the session analyzer of @hinge/analysis, offline. */
export const realOfflinePass: OfflinePassFactory = (header, overrides, { angles, neutral }) => {
  const analyzer = createSessionAnalyzer(header, overrides, {
    keepAngleSeries: false,
    maxPendingAngles: angles ? Infinity : 0,
    findBestStill: neutral === null,
    neutral: (neutral ?? null) as StillRun | null,
  });
  // The first calibration never changes once made, so offlineNeutral()'s verdict on it holds mid-pass.
  return { ...analyzer, settled: () => analyzer.internals.body.calibrations.length > 0 && analyzer.offlineNeutral() === null };
};

/** Where the angle samples of a pass go. A second pass (offline calibration) starts the sink over. */
export interface AngleSink {
  /** `settled`: the pass that writes them is known to be the last (no restart() will follow). */
  write(samples: AngleSample[], settled: boolean): Promise<void> | void;
  restart(): Promise<void> | void;
  /** After a pass that needs no second one for the analysis: whether the sink needs the file read again (it dropped samples). */
  wantsAnotherPass?(): boolean;
}

/** Lines analysed between two turns of the event loop (~1-3 ms of work). */
export const SLICE_LINES = 256;

export interface StoredAnalysis {
  header: RecordingHeader;
  doc: AnalysisDocument;
  stats: ReadStats;
}

/** Stopped by its AbortSignal (the client went away, or Ctrl-C). */
export class AnalysisAborted extends Error {
  constructor() {
    super('analysis stopped: the request was closed');
  }
}

/** The next item, or AnalysisAborted as soon as `signal` aborts, even while the read hangs (a slow disk, a FIFO). */
function nextUnlessAborted<T>(items: AsyncIterator<T>, signal: AbortSignal | undefined): Promise<IteratorResult<T>> {
  if (!signal) return items.next();
  if (signal.aborted) return Promise.reject(new AnalysisAborted());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new AnalysisAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    items.next().then(
      (item) => {
        signal.removeEventListener('abort', onAbort);
        resolve(item);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export interface StoredAnalysisOptions {
  angles?: AngleSink;
  signal?: AbortSignal;
  /** lenient (default): bad lines are skipped and counted; strict: the first one throws RecordingLineError. */
  mode?: ReadMode;
  /** The reader's warnings of the first pass (the reader hands over the first ones only). */
  onWarning?: (message: string) => void;
}

/**
 * Analyses a recording file, streaming. Runs a second pass from the best still stand when the first found
 * no calibration in time (the pass's offlineNeutral()), or when the angle sink asks for one.
 */
export async function analyzeStoredRecording(
  file: string,
  overrides: (header: RecordingHeader) => Partial<PatientSettings>,
  createPass: OfflinePassFactory,
  options: StoredAnalysisOptions = {},
): Promise<StoredAnalysis> {
  const { angles: sink, signal } = options;
  const run = async (neutral: unknown, second: boolean) => {
    const recording = await openRecording(file, { mode: options.mode ?? 'lenient', ...(!second && options.onWarning ? { onWarning: options.onWarning } : {}) });
    const pass = createPass(recording.header, overrides(recording.header), { angles: sink !== undefined, neutral });
    const writeAngles = async () => {
      if (sink) await sink.write(pass.takeAngles(), second || pass.settled());
    };
    const batches = recording.batches[Symbol.asyncIterator]();
    try {
      for (let next = await nextUnlessAborted(batches, signal); !next.done; next = await nextUnlessAborted(batches, signal)) {
        const batch = next.value;
        for (let start = 0; start < batch.length; start += SLICE_LINES) {
          if (signal?.aborted) throw new AnalysisAborted();
          const end = Math.min(batch.length, start + SLICE_LINES);
          for (let i = start; i < end; i++) pass.push(batch[i]!);
          pass.takeEvents(); // not needed here; taken so they do not pile up
          await writeAngles();
          await nextTurn();
        }
      }
    } catch (error) {
      void batches.return?.(undefined).catch(() => {}); // closes the file (after a read still pending)
      throw error;
    }
    const doc = pass.finish();
    await writeAngles();
    return { header: recording.header, doc, stats: recording.stats, neutral: second ? null : pass.offlineNeutral() };
  };
  let result = await run(null, false);
  if (result.neutral !== null || sink?.wantsAnotherPass?.()) {
    await sink?.restart();
    result = await run(result.neutral, true);
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
 * When full, every other sample is dropped and the stride doubles, so the memory is fixed. With
 * `maxPoints` Infinity: the whole series (`hinge analyze --json --angles`).
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

/**
 * Angles for an output that cannot take them back (the CLI's stdout): they pass through once the pass
 * writing them is settled. Before that (not yet calibrated, or calibrated too late) they are held back,
 * up to `maxHeld` samples, so a file that turns out to need a second pass does not print them twice;
 * past that they are dropped and the second pass is asked for (it streams them).
 */
export class HeldBackAngles implements AngleSink {
  private held: AngleSample[] = [];
  private dropped = false;
  constructor(
    private readonly out: (samples: AngleSample[]) => Promise<void>,
    private readonly maxHeld: number,
  ) {}
  async write(samples: AngleSample[], settled: boolean): Promise<void> {
    if (this.dropped) return;
    if (!settled) {
      this.held.push(...samples);
      if (this.held.length > this.maxHeld) {
        this.held = [];
        this.dropped = true;
      }
      return;
    }
    if (this.held.length > 0) await this.out(this.held.splice(0));
    if (samples.length > 0) await this.out(samples);
  }
  restart(): void {
    this.held = [];
    this.dropped = false;
  }
  wantsAnotherPass(): boolean {
    return this.dropped;
  }
}
