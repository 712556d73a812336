// `hinge analyze FILE`: the streaming analysis run over a recording, printed as the `hinge-analysis`
// JSON document (--json) or as a short table for people.
import type { AnalysisDocument, AngleSample } from '@hinge/protocol';
import { RecordingLineError } from '../../recording/reader';
import { AnalysisAborted, HeldBackAngles, ThinnedAngles, analyzeStoredRecording, realOfflinePass } from '../../server/stored-analysis';
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

/** Angle samples of the file's first seconds held back until its calibration is known (60 s at 100 Hz). */
const HOLD_UNCALIBRATED = 6000;

/**
 * Reads and analyses a recording, streaming (the bridge's stored analysis: a second pass from the best
 * still stand when needed). Shared with `hinge angles`, whose `onAngles` gets the angles once final.
 */
export async function analyzeFile(
  file: string,
  options: { strict: boolean; angles: boolean; settings: ReturnType<typeof parseSettings>; onAngles?: (angles: AngleSample[]) => Promise<void> },
  io: CliIO,
): Promise<AnalysisDocument> {
  requireFile(file);
  const readerWarnings: string[] = [];
  // Ctrl-C / SIGTERM stop the command at once, even during a read that hangs (a slow disk, a pipe).
  const interrupt = new AbortController();
  void io.interrupted.then(() => interrupt.abort());
  // --angles: the whole series, for the document. onAngles (stdout): held back until calibrated.
  const series = options.angles ? new ThinnedAngles(Infinity) : null;
  const sink = options.onAngles ? new HeldBackAngles(options.onAngles, HOLD_UNCALIBRATED) : series;
  let result;
  try {
    result = await analyzeStoredRecording(file, () => options.settings, realOfflinePass, {
      mode: options.strict ? 'strict' : 'lenient',
      onWarning: (w) => readerWarnings.push(w),
      signal: interrupt.signal,
      ...(sink ? { angles: sink } : {}),
    });
  } catch (error) {
    if (error instanceof AnalysisAborted) throw new CliError('HINGE_ERR_INTERRUPTED', 'interrupted');
    if (error instanceof RecordingLineError) throw new CliError('HINGE_ERR_RECORDING_LINE', `cannot analyse ${error.message}`);
    throw error;
  }
  const { stats } = result;
  const doc = series ? { ...result.doc, angles: series.series } : result.doc;
  if (stats.badLines > 0) doc.warnings.unshift(`${stats.badLines} bad line(s) skipped (run with --strict to stop at the first)`);
  if (stats.truncated) doc.warnings.unshift('the file ends mid-line (cut off while writing?); read up to the last whole line');
  // The reader hands over the first warnings only; the rest are counted in its stats.
  const shown = readerWarnings.slice(0, 20);
  for (const w of shown) io.err.write(`warning: ${w}\n`);
  const more = stats.badLines + (stats.truncated ? 1 : 0) - shown.length;
  if (more > 0) io.err.write(`warning: ... and ${more} more\n`);
  if (!doc.calibration) {
    throw new CliError('HINGE_ERR_BAD_INPUT', `cannot analyse ${file}: ${doc.warnings.find((w) => w.startsWith('calibration impossible')) ?? 'no calibration'}`);
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
    if (!file || extra !== undefined) throw new CliError('HINGE_ERR_USAGE', `give exactly one recording\n\n${usage}`);
    const doc = await analyzeFile(file, { strict: !!parsed.values.strict, angles: !!parsed.values.angles, settings: parseSettings(parsed.values) }, io);
    await write(io.out, parsed.values.json ? JSON.stringify(doc) + '\n' : table(doc));
    return 0;
  },
};
