// Offline speed: (1) the whole streaming pipeline in-process, from file lines to rep events
// (openRecording -> createSessionAnalyzer -> takeEvents), in samples per second; (2) the real
// `pnpm --silent hinge analyze FILE --json` on a one-hour two-sensor 100 Hz recording as a child process:
// wall time and peak RSS. Baseline for both, in the same run: stream the same file and JSON.parse every
// line, in-process for (1) (bench/read-baseline.ts) and as a plain `node` child for (2) (READ_CHILD below).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSessionAnalyzer } from '@hinge/analysis';
import type { RecordingLine } from '@hinge/protocol';
import { openRecording } from '../packages/sensor-bridge/src/recording/reader';
import { writeRecordingFile } from '../packages/sensor-bridge/src/recording/writer';
import { randomSession, simulateSession } from '@hinge/simulator';
import { readAndParse } from './read-baseline';
import { median, nowMs, repeatAsync } from './stats';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Writes a simulated random session of about `durationS` (seed fixed) to FILE; returns its sample count. */
export async function writeSimulatedRecording(file: string, durationS: number, seed: number): Promise<number> {
  const { header, lines } = simulateSession({ seed, script: randomSession(seed, { durationS }) });
  await writeRecordingFile(file, header, lines);
  return lines.filter((l) => !('event' in l)).length;
}

export interface PipelineResult {
  file: string;
  samples: number;
  repEvents: number;
  runs: number;
  pipelineSamplesPerS: number;
  baselineSamplesPerS: number;
  /** pipeline / baseline throughput (1 = as fast as parsing alone). */
  ratio: number;
}

async function runPipeline(file: string): Promise<{ samples: number; repEvents: number; ms: number }> {
  const start = nowMs();
  const recording = await openRecording(file, { mode: 'lenient' });
  const analyzer = createSessionAnalyzer(recording.header, {}, { maxPendingAngles: 0 });
  let samples = 0;
  let repEvents = 0;
  for await (const batch of recording.batches) {
    for (const line of batch) {
      analyzer.push(line);
      if (!('event' in line)) samples++;
    }
    for (const e of analyzer.takeEvents()) if (e.type === 'rep-completed') repEvents++;
  }
  analyzer.finish();
  for (const e of analyzer.takeEvents()) if (e.type === 'rep-completed') repEvents++;
  return { samples, repEvents, ms: nowMs() - start };
}

export async function pipelineThroughput(file: string, runs = 3): Promise<PipelineResult> {
  await runPipeline(file); // warm-up
  const pipeline = await repeatAsync(runs, () => runPipeline(file));
  const baseline = await repeatAsync(runs, async () => {
    const start = nowMs();
    const { samples } = await readAndParse(file);
    return { samples, ms: nowMs() - start };
  });
  const samples = pipeline[0]!.samples;
  const pipelineSamplesPerS = median(pipeline.map((r) => (r.samples / r.ms) * 1000));
  const baselineSamplesPerS = median(baseline.map((r) => (r.samples / r.ms) * 1000));
  return { file: path.basename(file), samples, repEvents: pipeline[0]!.repEvents, runs, pipelineSamplesPerS, baselineSamplesPerS, ratio: pipelineSamplesPerS / baselineSamplesPerS };
}

/** The child-process baseline: plain node streaming FILE and parsing every line (what any analysis must at least do). */
const READ_CHILD = `
const file = process.argv[1];
let pending = '', lines = 0;
for await (const chunk of (await import('node:fs')).createReadStream(file, { encoding: 'utf8' })) {
  const parts = (pending + chunk).split('\\n');
  pending = parts.pop();
  for (const p of parts) if (p !== '') { JSON.parse(p); lines++; }
}
if (pending !== '') { JSON.parse(pending); lines++; }
console.log(lines);
`;

export interface ChildRun {
  wallS: number;
  /** Peak resident set of the largest process in the child's tree, MB; null without /usr/bin/time. */
  peakRssMB: number | null;
}

const TIME_BIN = '/usr/bin/time';

/** Runs a command, timing it; through GNU time (-f %M) when available for the peak RSS. */
function timedChild(command: string, args: string[]): ChildRun & { stdout: string } {
  const withTime = existsSync(TIME_BIN);
  const start = nowMs();
  const result = withTime
    ? spawnSync(TIME_BIN, ['-f', 'HINGE_BENCH_MAXRSS_KB=%M', command, ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wallS = (nowMs() - start) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr.slice(-500)}`);
  const kb = /HINGE_BENCH_MAXRSS_KB=(\d+)/.exec(result.stderr)?.[1];
  return { wallS, peakRssMB: kb ? Number(kb) / 1024 : null, stdout: result.stdout };
}

export interface AnalyzeHourResult {
  recordingS: number;
  samples: number;
  fileMB: number;
  runs: number;
  reps: number;
  analyze: ChildRun;
  baseline: ChildRun;
  /** analyze wall / baseline wall. */
  ratio: number;
}

/** Times `pnpm --silent hinge analyze FILE --json` and the plain-node read-and-parse child, alternating. */
export function analyzeHour(file: string, samples: number, recordingS: number, runs = 3): AnalyzeHourResult {
  // Untimed first call: the CLI launcher (re)builds its bundle when the sources changed.
  spawnSync('pnpm', ['--silent', 'hinge', '--help'], { cwd: repoRoot, stdio: 'ignore' });
  const analyzeRuns: (ChildRun & { stdout: string })[] = [];
  const baselineRuns: ChildRun[] = [];
  for (let i = 0; i < runs; i++) {
    analyzeRuns.push(timedChild('pnpm', ['--silent', 'hinge', 'analyze', file, '--json']));
    baselineRuns.push(timedChild(process.execPath, ['--input-type=module', '-e', READ_CHILD, file]));
  }
  const reps = (JSON.parse(analyzeRuns[0]!.stdout) as { reps: unknown[] }).reps.length;
  const med = (rs: ChildRun[]): ChildRun => ({
    wallS: median(rs.map((r) => r.wallS)),
    peakRssMB: rs.some((r) => r.peakRssMB === null) ? null : median(rs.map((r) => r.peakRssMB!)),
  });
  const analyze = med(analyzeRuns);
  const baseline = med(baselineRuns);
  return { recordingS, samples, fileMB: statSync(file).size / 2 ** 20, runs, reps, analyze, baseline, ratio: analyze.wallS / baseline.wallS };
}

/**
 * Writes FILE twice over into OUT: the second copy's times shifted by the first's span (plus one sample
 * period), so OUT is one recording twice as long with the same content. Returns OUT's span, s.
 */
export async function writeDoubledRecording(file: string, out: string): Promise<number> {
  const recording = await openRecording(file, { mode: 'strict' });
  const lines: RecordingLine[] = [];
  for await (const batch of recording.batches) lines.push(...batch);
  const spanS = (lines[lines.length - 1]?.t ?? 0) + 0.01;
  const shifted = lines.map((l) => ({ ...l, t: Math.round((l.t + spanS) * 1e4) / 1e4 }));
  await writeRecordingFile(out, recording.header, [...lines, ...shifted]);
  return 2 * spanS;
}

export interface AnalyzeMemoryResult {
  runs: number;
  /** Peak RSS of the analysing process (node running the CLI launcher, no pnpm around it), MB, per file. */
  peakRssMB: { hours: number; mb: number | null }[];
  /** (peak of the longer file - peak of the shorter) / their difference in hours, MB per recording hour. */
  growthMBPerHour: number | null;
}

/**
 * Peak memory of `hinge analyze` against recording length: the analysing process itself (`node
 * packages/sensor-bridge/bin/hinge.mjs analyze FILE --json`; through pnpm the pnpm process, ~100 MB,
 * would be the largest), on files of different lengths, alternating, medians.
 */
export function analyzeMemory(files: { file: string; hours: number }[], runs = 3): AnalyzeMemoryResult {
  spawnSync(process.execPath, ['packages/sensor-bridge/bin/hinge.mjs', '--help'], { cwd: repoRoot, stdio: 'ignore' });
  const peaks = files.map(() => [] as (number | null)[]);
  for (let i = 0; i < runs; i++) {
    files.forEach(({ file }, k) => peaks[k]!.push(timedChild(process.execPath, ['packages/sensor-bridge/bin/hinge.mjs', 'analyze', file, '--json']).peakRssMB));
  }
  const peakRssMB = files.map(({ hours }, k) => ({ hours, mb: peaks[k]!.some((p) => p === null) ? null : median(peaks[k]! as number[]) }));
  const first = peakRssMB[0], last = peakRssMB[peakRssMB.length - 1];
  const growthMBPerHour = first && last && first.mb !== null && last.mb !== null && last.hours > first.hours ? (last.mb - first.mb) / (last.hours - first.hours) : null;
  return { runs, peakRssMB, growthMBPerHour };
}
