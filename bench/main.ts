// `pnpm bench`: every speed and accuracy figure the project claims, in one table, with each speed figure
// beside a simple baseline measured in the same run (machines are noisy; ratios travel better than
// absolute numbers). Writes bench/results/latest.md and latest.json. See docs/benchmarks.md.
//
// Environment: BENCH_RUNS (default 3) repeats of every speed measurement (medians are reported);
// BENCH_SEEDS (default 40) simulated sessions for the accuracy suite; BENCH_HARD_SEEDS (default 6) sessions
// per class of the hard tier; BENCH_ONLY=word,word runs only the sections whose name contains one of them
// (e.g. BENCH_ONLY=simulated for the accuracy sections).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAULTS } from '@hinge/protocol';
import { alertLatency } from './alert-latency';
import { BROAD_ANCHORS, BROAD_DIR, broadRmseViaCli, listBroadTrials, loadBroadTrial } from './broad';
import { evaluateSuite } from './evaluate';
import { evaluateHard, hardSeeds, renderHardTable } from './hard';
import { HARD_CLASSES } from '@hinge/simulator';
import { fusionCost } from './fusion-cost';
import { evaluateHardCondition, HARD_CONDITIONS, sigmaHonesty } from './hard-conditions';
import { liveLatency } from './live-latency';
import { loadTest } from './load-test';
import { analyzeHour, analyzeMemory, pipelineThroughput, writeDoubledRecording, writeSimulatedRecording } from './offline';
import { storagePerHour } from './storage';
import { median, mean, nowMs, repeatAsync } from './stats';
import { wsBaseline } from './ws-baseline';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(repoRoot, 'bench/results');
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const seedCount = Math.max(1, Number(process.env.BENCH_SEEDS ?? 40));
const hardSeedCount = Math.max(1, Number(process.env.BENCH_HARD_SEEDS ?? 6));
const onlySections = process.env.BENCH_ONLY?.toLowerCase().split(',').filter(Boolean) ?? null;
/** The command line that made this run, as printed with its tables. */
const benchCommand = ['BENCH_RUNS', 'BENCH_SEEDS', 'BENCH_HARD_SEEDS', 'BENCH_ONLY']
  .filter((k) => process.env[k] !== undefined)
  .map((k) => `${k}=${process.env[k]}`)
  .concat('pnpm bench')
  .join(' ');

/** One line of the table. `baseline` is text (a same-run measurement or a published anchor). */
export interface Row {
  section: string;
  measure: string;
  value: number | null;
  unit: string;
  baseline?: string;
  /** value / baseline (speed) or value / anchor (accuracy). */
  ratio?: number | null;
  target?: string;
  pass?: boolean | null;
  note?: string;
}

const rows: Row[] = [];
/** Further tables printed after the main one (the hard tier per class). */
const extraTables: string[] = [];
const details: Record<string, unknown> = {};
const sectionTimesS: Record<string, number> = {};
const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

async function section(name: string, body: () => Promise<void> | void): Promise<void> {
  if (onlySections && !onlySections.some((w) => name.toLowerCase().includes(w))) return;
  const start = nowMs();
  process.stderr.write(`bench: ${name} ...\n`);
  try {
    await body();
  } catch (error) {
    rows.push({ section: name, measure: 'FAILED', value: null, unit: '', note: (error as Error).message.split('\n')[0] ?? '' });
  }
  sectionTimesS[name] = (nowMs() - start) / 1000;
}

async function main(): Promise<void> {
  const started = nowMs();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hinge-bench-'));
  try {
    await section('Fusion', () => {
      const r = fusionCost(Math.max(5, runs * 2));
      details.fusion = r;
      rows.push({
        section: 'Fusion',
        measure: `orientation filter update (${r.source}, ${r.samples} samples)`,
        value: r.filterNsPerSample,
        unit: 'ns/sample',
        baseline: `gyro strapdown ${fmt(r.strapdownNsPerSample, 1)} ns`,
        ratio: r.ratio,
        target: '<= 250 (VQF C++ 245)',
        pass: r.filterNsPerSample <= 250,
      });
    });

    await section('Offline pipeline', async () => {
      const file = path.join(tmp, 'ten-minutes.jsonl');
      await writeSimulatedRecording(file, 600, 21);
      const r = await pipelineThroughput(file, runs);
      details.pipeline = r;
      rows.push({
        section: 'Offline pipeline',
        measure: `file lines -> rep events, in-process (10 min, ${r.samples} samples, ${r.repEvents} reps)`,
        value: r.pipelineSamplesPerS,
        unit: 'samples/s',
        baseline: `read + JSON.parse ${fmt(r.baselineSamplesPerS / 1000, 0)}k/s`,
        ratio: r.ratio,
        note: `${fmt(r.pipelineSamplesPerS / 200, 0)}x real time for 2 sensors x 100 Hz`,
      });
    });

    await section('Storage', async () => {
      // Ten simulated minutes, scaled to an hour.
      const file = path.join(tmp, 'storage.jsonl');
      await writeSimulatedRecording(file, 600, 11);
      const r = await storagePerHour(file, 600, tmp);
      details.storage = r;
      rows.push({
        section: 'Storage',
        measure: 'live recording per hour of session (.jsonl.gz, MetaMotion resolution, sync flush every 250 ms)',
        value: r.liveMBPerHour,
        unit: 'MB/h',
        baseline: `JSON Lines recording ${fmt(r.jsonlMBPerHour, 1)} MB/h`,
        ratio: r.liveMBPerHour / r.jsonlMBPerHour,
        target: '<= 15',
        pass: r.liveMBPerHour <= 15,
        note: `writer busy ${fmt(r.liveWriteSPerHour, 1)} s per hour of session`,
      });
      rows.push({
        section: 'Storage',
        measure: 'MCAP export per hour of session (zstd chunks, Foxglove schemas)',
        value: r.mcapMBPerHour,
        unit: 'MB/h',
        baseline: `JSON Lines recording ${fmt(r.jsonlMBPerHour, 1)} MB/h`,
        ratio: r.mcapMBPerHour / r.jsonlMBPerHour,
        target: '<= 50',
        pass: r.mcapMBPerHour <= 50,
        note: `written in ${fmt(r.mcapWriteS, 1)} s for 10 min`,
      });
    });

    await section('hinge analyze, 1 h', async () => {
      const file = path.join(tmp, 'one-hour.jsonl');
      const samples = await writeSimulatedRecording(file, 3600, 11);
      const r = analyzeHour(file, samples, 3600, runs);
      details.analyzeHour = r;
      const note = `${r.samples} samples, ${fmt(r.fileMB, 0)} MB, ${r.reps} reps`;
      rows.push({
        section: 'hinge analyze, 1 h',
        measure: 'wall time (pnpm --silent hinge analyze FILE --json)',
        value: r.analyze.wallS,
        unit: 's',
        baseline: `read + JSON.parse child ${fmt(r.baseline.wallS)} s`,
        ratio: r.ratio,
        target: '< 3',
        pass: r.analyze.wallS < 3,
        note,
      });
      rows.push({
        section: 'hinge analyze, 1 h',
        measure: 'peak RSS (largest process)',
        value: r.analyze.peakRssMB,
        unit: 'MB',
        baseline: r.baseline.peakRssMB === null ? 'n/a' : `read + JSON.parse child ${fmt(r.baseline.peakRssMB, 0)} MB`,
        ratio: r.analyze.peakRssMB !== null && r.baseline.peakRssMB !== null ? r.analyze.peakRssMB / r.baseline.peakRssMB : null,
        ...(r.analyze.peakRssMB === null ? { note: '/usr/bin/time not found' } : {}),
      });
      // Memory against recording length (issue #17): the same hour twice over as one 2 h recording.
      const doubled = path.join(tmp, 'two-hours.jsonl');
      await writeDoubledRecording(file, doubled);
      const m = analyzeMemory([{ file, hours: 1 }, { file: doubled, hours: 2 }], runs);
      details.analyzeMemory = m;
      for (const { hours, mb } of m.peakRssMB) {
        rows.push({ section: 'hinge analyze, 1 h', measure: `peak RSS of the analysing process, ${hours} h recording (node, no pnpm)`, value: mb, unit: 'MB' });
      }
      rows.push({
        section: 'hinge analyze, 1 h',
        measure: 'peak RSS growth per recording hour (2 h - 1 h)',
        value: m.growthMBPerHour,
        unit: 'MB/h',
        target: '<= 10',
        pass: m.growthMBPerHour === null ? null : m.growthMBPerHour <= 10,
      });
    });

    await section('Live latency', async () => {
      const seconds = 5;
      const live = await repeatAsync(runs, () => liveLatency({ seconds }));
      const base = await repeatAsync(runs, () => wsBaseline({ seconds }));
      details.liveLatency = { live, baseline: base };
      const p = (k: 'p50' | 'p99') => median(live.map((r) => r.latencyMs[k]));
      const b = (k: 'p50' | 'p99') => median(base.map((r) => r.latencyMs[k]));
      const first = live[0]!;
      const setup = `${first.sessions} sessions x 2 sensors x 100 Hz, ${first.clients} clients, ${runs} x ${seconds} s`;
      rows.push({ section: 'Live latency', measure: `sample arrival -> WebSocket client p50 (${setup})`, value: p('p50'), unit: 'ms', baseline: `bare ws ${fmt(b('p50'))} ms`, ratio: p('p50') / b('p50') });
      rows.push({ section: 'Live latency', measure: 'sample arrival -> WebSocket client p99', value: p('p99'), unit: 'ms', baseline: `bare ws ${fmt(b('p99'))} ms`, ratio: p('p99') / b('p99'), target: '<= 10', pass: p('p99') <= 10 });
      const cpu = median(live.map((r) => r.bridgeCpuPctOfOneCore));
      rows.push({ section: 'Live latency', measure: 'bridge CPU', value: cpu, unit: '% of a core', target: '< 50', pass: cpu < 50 });
    });

    await section('Load', async () => {
      const r = await loadTest({ sessions: 50, clients: 100, seconds: 15 });
      details.load = r;
      const setup = `${r.sessions} simulated sessions x 2 sensors x 100 Hz, ${r.clients} clients, ${r.seconds} s`;
      rows.push({ section: 'Load', measure: `angle samples per client per second (${setup})`, value: r.anglesPerClientPerS, unit: '/s', target: '100 (all of them)', pass: r.heldShare >= 0.99 && r.droppedSamples === 0, note: `${r.frames} frames, ${r.droppedSamples} samples dropped, ${r.errors.length} errors` });
      rows.push({ section: 'Load', measure: 'sample time -> client, p50 / p99 (incl. 20 ms source pacing)', value: r.latencyMs.p99, unit: 'ms (p99)', note: `p50 ${fmt(r.latencyMs.p50)} ms, max ${fmt(r.latencyMs.max)} ms` });
      rows.push({ section: 'Load', measure: 'bridge CPU / peak RSS', value: r.bridge.cpuPctOfOneCore, unit: '% of a core', note: `RSS ${fmt(r.bridge.rssStartMB, 0)} -> peak ${fmt(r.bridge.rssPeakMB, 0)} MB; heap ${fmt(r.bridge.heapStartMB, 0)} -> ${fmt(r.bridge.heapEndMB, 0)} MB` });
    });

    await section('Rounding alert', () => {
      const r = alertLatency();
      details.alertLatency = r;
      rows.push({
        section: 'Rounding alert',
        measure: `limit crossed (truth) -> alert, max over ${r.roundedReps} rounded reps (${r.sessions} sessions)`,
        value: r.maxMs,
        unit: 'ms of sample time',
        target: '<= 100, none missed',
        pass: r.pass,
        note: `median ${fmt(r.medianMs, 0)} ms; event t max ${fmt(r.eventMaxMs, 0)} ms; missed ${r.missed}; extra alerts ${r.extraAlerts}`,
      });
    });

    await section('BROAD', () => {
      const trials = listBroadTrials();
      if (trials.length === 0) {
        rows.push({ section: 'BROAD', measure: 'skipped', value: null, unit: '', note: `no trials in ${BROAD_DIR} (put ../shared/benchmarks/broad beside the repo)` });
        return;
      }
      const results = trials.map((name) => ({ name, rmseDeg: broadRmseViaCli(loadBroadTrial(name)), anchors: BROAD_ANCHORS[name] }));
      details.broad = results;
      for (const r of results) {
        rows.push({
          section: 'BROAD',
          measure: `${r.name} (hinge fuse)`,
          value: r.rmseDeg,
          unit: 'deg incl. RMSE',
          baseline: r.anchors ? `VQF ${r.anchors.vqf} / Madgwick ${r.anchors.madgwick}` : '-',
          ratio: r.anchors ? r.rmseDeg / r.anchors.vqf : null,
        });
      }
      const m = mean(results.map((r) => r.rmseDeg));
      const anchored = results.filter((r) => r.anchors);
      rows.push({
        section: 'BROAD',
        measure: `mean of ${results.length} trials`,
        value: m,
        unit: 'deg incl. RMSE',
        baseline: `VQF ${fmt(mean(anchored.map((r) => r.anchors!.vqf)), 3)} / Madgwick ${fmt(mean(anchored.map((r) => r.anchors!.madgwick)), 3)}`,
        ratio: m / mean(anchored.map((r) => r.anchors!.vqf)),
        target: '<= 0.70',
        pass: m <= 0.7,
      });
    });

    await section('Simulated sessions', () => {
      const seeds = Array.from({ length: seedCount }, (_, i) => 1000 + i);
      const highSeeds = seeds.slice(0, Math.max(1, Math.round(seedCount / 4)));
      for (const [noise, list] of [['typical', seeds], ['high', highSeeds]] as const) {
        const r = evaluateSuite(list, { mounting: 'random', noise });
        const { sessions: _perSession, ...summary } = r;
        details[`simulated-${noise}`] = summary;
        const s = `Simulated, ${noise} noise (${list.length} sessions)`;
        // The targets are set for typical noise; the high-noise run shows how far the results fall off.
        const judge = (ok: boolean) => (noise === 'typical' ? { pass: ok } : {});
        const target = (t: string) => (noise === 'typical' ? { target: t } : {});
        const nanSessions = r.sessions.filter((x) => !Number.isFinite(x.rmse.lumbarDeg)).map((x) => x.seed);
        rows.push({
          section: s,
          measure: 'RMSE pelvis / trunk / lumbar',
          value: r.rmse.lumbarDeg,
          unit: 'deg (lumbar)',
          ...target('<= 1.0 / 1.0 / 1.5'),
          ...judge(r.rmse.pelvisDeg <= 1 && r.rmse.trunkDeg <= 1 && r.rmse.lumbarDeg <= 1.5),
          note: `${fmt(r.rmse.pelvisDeg)} / ${fmt(r.rmse.trunkDeg)} / ${fmt(r.rmse.lumbarDeg)}${nanSessions.length ? `; no scored angles in seed(s) ${nanSessions.join(', ')}` : ''}`,
        });
        rows.push({ section: s, measure: 'peak lumbar error per rep, max (p95)', value: r.maxPeakLumbarErrDeg, unit: 'deg', ...target('<= 2'), ...judge(r.maxPeakLumbarErrDeg <= 2), note: `p95 ${fmt(r.p95PeakLumbarErrDeg)}; ${sigmaHonesty(r)}` });
        rows.push({ section: s, measure: 'sessions with the exact rep count', value: r.exactCountShare * 100, unit: '%', ...target('>= 95'), ...judge(r.exactCountShare >= 0.95) });
        rows.push({ section: s, measure: 'rep F1', value: r.repF1, unit: '', ...target('>= 0.98'), ...judge(r.repF1 >= 0.98) });
        for (const f of FAULTS) rows.push({ section: s, measure: `F1 ${f}`, value: r.faultF1[f], unit: '', ...target('>= 0.95'), ...judge(r.faultF1[f] >= 0.95) });
      }
    });

    await section('Simulated sessions, hard tier', () => {
      const r = evaluateHard(HARD_CLASSES, hardSeeds(hardSeedCount));
      details.hard = { perClass: r.perClass, all: r.all };
      extraTables.push(renderHardTable(r, benchCommand));
      const s = `Simulated, hard tier (${HARD_CLASSES.length} classes x ${hardSeedCount} sessions; per class below)`;
      const a = r.all;
      rows.push({ section: s, measure: 'sessions with the exact rep count', value: a.exactShare * 100, unit: '%', target: '>= 95', pass: a.exactShare >= 0.95 });
      rows.push({ section: s, measure: 'rep F1 (precision / recall)', value: a.repF1, unit: '', target: '>= 0.98', pass: a.repF1 >= 0.98, note: `${fmt(a.precision, 3)} / ${fmt(a.recall, 3)}` });
      for (const f of FAULTS) rows.push({ section: s, measure: `F1 ${f}`, value: a.faultF1[f], unit: '', target: '>= 0.95', pass: a.faultF1[f] >= 0.95 });
      rows.push({ section: s, measure: 'false reps per minute of everyday movement', value: a.falseRepsPerEverydayMin, unit: '/min', target: '0', pass: a.falseRepsPerEverydayMin === 0 });
    });

    await section('Simulated sessions, hard conditions', () => {
      // Typical noise plus one condition each (bench/hard-conditions.ts); targets of issue 12.
      const seeds = Array.from({ length: Math.max(2, Math.round(seedCount / 8)) }, (_, i) => 3000 + i);
      for (const condition of HARD_CONDITIONS) {
        const r = evaluateHardCondition(condition, seeds);
        const { sessions: _perSession, ...summary } = r;
        details[`hard-${condition}`] = summary;
        const ok = r.rmse.pelvisDeg <= 1 && r.rmse.trunkDeg <= 1 && r.rmse.lumbarDeg <= 1.5;
        rows.push({
          section: `Simulated, hard conditions (${seeds.length} sessions each)`,
          measure: `${condition}: RMSE pelvis / trunk / lumbar`,
          value: r.rmse.lumbarDeg,
          unit: 'deg (lumbar)',
          target: '<= 1.0 / 1.0 / 1.5',
          pass: ok,
          note: `${fmt(r.rmse.pelvisDeg)} / ${fmt(r.rmse.trunkDeg)} / ${fmt(r.rmse.lumbarDeg)}; standing error max ${fmt(r.maxStandingErrDeg)}; peak lumbar error max ${fmt(r.maxPeakLumbarErrDeg)}; ${sigmaHonesty(r)}; exact rep count ${fmt(r.exactCountShare * 100, 0)} %`,
        });
      }
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const environment = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    totalMemGB: Math.round(os.totalmem() / 2 ** 30),
    runs,
    seeds: seedCount,
    totalS: (nowMs() - started) / 1000,
    sectionTimesS,
  };
  const markdown = renderMarkdown(rows, environment) + (extraTables.length ? `\n${extraTables.join('\n')}` : '');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'latest.md'), markdown);
  writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify({ environment, rows, details }, null, 2) + '\n');
  process.stdout.write(markdown);
  process.stdout.write(`\nwritten: bench/results/latest.md, bench/results/latest.json (${fmt(environment.totalS, 0)} s)\n`);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function renderMarkdown(table: Row[], env: { date: string; commit: string; node: string; cpu: string; cores: number; totalMemGB: number; runs: number; totalS: number }): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const digits = (r: Row) => (r.unit.startsWith('ns') || r.unit === 'samples/s' || r.unit === 'MB' || r.unit.startsWith('%') ? 1 : r.unit === '' ? 3 : r.unit.includes('RMSE') ? 3 : 2);
  const lines = [
    '# hinge benchmark results',
    '',
    `command: \`${benchCommand}\``,
    '',
    `${env.date} · commit ${env.commit} · Node ${env.node} · ${env.cpu} · ${env.cores} cores · ${env.totalMemGB} GB · ${env.runs} runs per speed figure (medians) · ${env.totalS.toFixed(0)} s`,
    '',
    '| Section | Measure | Value | Unit | Baseline (same run) / anchor | Ratio | Target | OK | Note |',
    '|---|---|---:|---|---|---:|---|---|---|',
    ...table.map((r) =>
      [
        r.section,
        r.measure,
        fmt(r.value, digits(r)),
        r.unit,
        r.baseline ?? '',
        r.ratio === undefined ? '' : fmt(r.ratio),
        r.target ?? '',
        r.pass === undefined || r.pass === null ? '' : r.pass ? 'yes' : 'NO',
        r.note ?? '',
      ]
        .map((c) => cell(String(c)))
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
    '',
    'Ratio: value / baseline for speed (lower is better for times, higher for throughput), value / VQF anchor for BROAD.',
    '',
  ];
  return lines.join('\n');
}

await main();
