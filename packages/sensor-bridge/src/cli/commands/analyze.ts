// `hinge analyze FILE`: the streaming analysis run over a recording, printed as the `hinge-analysis`
// JSON document (--json) or as a short table for people.
import type { AnalysisDocument } from '@hinge/protocol';
import { createSessionAnalyzer, type StillRun } from '@hinge/analysis';
import { openRecording, RecordingLineError } from '../../recording/reader';
import { CliError, parseCommandArgs, write, type CliIO, type Command, requireFile } from '../command';
import { parseSettings, settingsOptions, settingsUsage } from '../settings-options';

const usage = `usage: hinge analyze FILE [--json] [--angles] [--strict] [settings]

Analyses a recording (.jsonl or .jsonl.gz): calibration, angles, reps, faults, summary.

options:
  --json              print the hinge-analysis JSON document (docs/analysis-output.md)
  --angles            include the angle series (100 Hz) in the JSON document
  --strict            stop at the first bad line (default: skip bad lines and report them)
${settingsUsage}
`;

/** Reads and analyses a recording, streaming. Shared with `hinge angles`. */
export async function analyzeFile(
  file: string,
  options: { strict: boolean; angles: boolean; settings: ReturnType<typeof parseSettings>; onAngles?: (a: ReturnType<ReturnType<typeof createSessionAnalyzer>['takeAngles']>) => Promise<void> },
  io: CliIO,
): Promise<AnalysisDocument> {
  requireFile(file);
  const readerWarnings: string[] = [];
  // Ctrl-C / SIGTERM stop the command at once: each wait for the next batch races the signal, so even
  // a read that hangs (a slow disk, a pipe) is left behind; the process exits right after. (Not
  // Promise.race with io.interrupted: every race would leave a reaction on that never-settled promise,
  // holding its batch, so memory would grow with the file.)
  let interruptedNow = false;
  let stopWaiting: (() => void) | null = null;
  void io.interrupted.then(() => {
    interruptedNow = true;
    stopWaiting?.();
  });
  const nextOrInterrupted = <T,>(next: Promise<T>) =>
    new Promise<T | 'interrupted'>((resolve, reject) => {
      if (interruptedNow) return resolve('interrupted');
      stopWaiting = () => resolve('interrupted');
      next.then(resolve, reject);
    }).finally(() => (stopWaiting = null));
  // Angles are streamed once calibrated. Before that they are all null and held back (up to
  // HOLD_UNCALIBRATED rows), so a file that turns out to need the offline calibration (a second pass from
  // its best still stand) does not print them twice.
  const HOLD_UNCALIBRATED = 6000;
  type Analyzer = ReturnType<typeof createSessionAnalyzer>;
  type Angles = ReturnType<Analyzer['takeAngles']>;
  /** One streaming pass over the file; `neutral` is the offline calibration for a second pass. */
  const pass = async (second: { neutral: StillRun | null } | null) => {
    let recording;
    try {
      recording = await openRecording(file, { mode: options.strict ? 'strict' : 'lenient', onWarning: (w) => (second ? undefined : readerWarnings.push(w)) });
    } catch (error) {
      if (error instanceof RecordingLineError) throw new CliError(`cannot analyse ${error.message}`, 1, error.code);
      throw error;
    }
    const analyzer: Analyzer = createSessionAnalyzer(recording.header, options.settings, {
      keepAngleSeries: options.angles,
      maxPendingAngles: options.onAngles ? Infinity : 0,
      findBestStill: second === null,
      neutral: second?.neutral ?? null,
    });
    let held: Angles | null = second ? null : [];
    let firstT: number | null = null;
    const send = async (angles: Angles) => {
      if (!options.onAngles) return;
      firstT ??= angles[0]?.t ?? null;
      if (held) {
        const cal = analyzer.internals.body.calibrations[0];
        // The same rule as offlineNeutral(): a first still period found only after 10 s means a second pass.
        if (cal && cal.reason === 'first-still-period' && firstT !== null && cal.start - firstT > 10) held = null;
        else if (!cal) {
          held.push(...angles);
          if (held.length > HOLD_UNCALIBRATED) held = null; // too long: the second pass streams them
          return;
        }
      }
      if (held) await options.onAngles(held.splice(0));
      if (second || held) await options.onAngles(angles);
    };
    const batches = recording.batches[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await nextOrInterrupted(batches.next());
        if (next === 'interrupted') throw new CliError('interrupted', 130);
        if (next.done) break;
        for (const line of next.value) analyzer.push(line);
        analyzer.takeEvents();
        await send(analyzer.takeAngles());
      }
    } catch (error) {
      if (error instanceof RecordingLineError) throw new CliError(`cannot analyse ${error.message}`, 1, error.code);
      throw error;
    }
    return { recording, analyzer, streamed: () => second !== null || held !== null, send };
  };
  let run = await pass(null);
  // No still period long enough for the live calibration: read the file once more from its best still
  // stand (or, if the uncalibrated start was too long to hold back, once more to stream its angles).
  run.analyzer.finish();
  const neutral = run.analyzer.offlineNeutral();
  if (neutral || (options.onAngles && !run.streamed())) run = await pass({ neutral });
  const { recording, analyzer } = run;
  const doc = analyzer.finish();
  await run.send(analyzer.takeAngles());
  const { stats } = recording;
  if (stats.badLines > 0) doc.warnings.unshift(`${stats.badLines} bad line(s) skipped (run with --strict to stop at the first)`);
  if (stats.truncated) doc.warnings.unshift('the file ends mid-line (cut off while writing?); read up to the last whole line');
  // The reader hands over the first warnings only; the rest are counted in its stats.
  const shown = readerWarnings.slice(0, 20);
  for (const w of shown) io.err.write(`warning: ${w}\n`);
  const more = stats.badLines + (stats.truncated ? 1 : 0) - shown.length;
  if (more > 0) io.err.write(`warning: ... and ${more} more\n`);
  if (!doc.calibration) {
    throw new CliError(`cannot analyse ${file}: ${doc.warnings.find((w) => w.startsWith('calibration impossible')) ?? 'no calibration'}`);
  }
  return doc;
}

/** Angles as the dashboard shows them: whole degrees with the sign. */
const degText = (value: number | null) => (value === null ? '-' : `${value.toFixed(0)}°`);

function table(doc: AnalysisDocument): string {
  const rows = doc.reps.map((r) =>
    [r.index, r.set ?? '', r.start.toFixed(1), degText(r.peakTrunkDeg), degText(r.peakPelvisDeg), degText(r.peakLumbarDeg),
      r.hipShare === null ? '-' : `${Math.round(r.hipShare * 100)} %`, r.descentS.toFixed(1), r.ascentS.toFixed(1), r.faults.join(', ') || 'clean'].join('\t'),
  );
  const s = doc.summary;
  const counts = Object.entries(s.faultCounts).map(([f, n]) => `${f} ${n}`).join(', ');
  return [
    `calibration: ${doc.calibration?.source === 'best-still-offline' ? 'best still stand in the file (offline)' : 'still standing'} ${doc.calibration?.start.toFixed(1)}-${doc.calibration?.end.toFixed(1)} s`,
    'rep\tset\tstart s\ttrunk\tpelvis\tlumbar\thip share\tdown s\tup s\tfaults',
    ...rows,
    `${s.repCount} reps, ${s.cleanReps} clean; ${counts}`,
    ...doc.warnings.map((w) => `warning: ${w}`),
  ].join('\n') + '\n';
}

export const analyzeCommand: Command = {
  usage,
  async run(args, io) {
    const parsed = parseCommandArgs(args, { json: { type: 'boolean' }, angles: { type: 'boolean' }, strict: { type: 'boolean' }, ...settingsOptions }, usage);
    const [file, extra] = parsed.positionals;
    if (!file || extra !== undefined) throw new CliError(`give exactly one recording\n\n${usage}`, 2);
    const doc = await analyzeFile(file, { strict: !!parsed.values.strict, angles: !!parsed.values.angles, settings: parseSettings(parsed.values) }, io);
    await write(io.out, parsed.values.json ? JSON.stringify(doc) + '\n' : table(doc));
    return 0;
  },
};
